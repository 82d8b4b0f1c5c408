/// The fuzzer's input read as a sequence of choices: a target takes a few leading bytes to
/// pick headers, limits or a topic, and the rest becomes the message value. Reading past the
/// end yields zeros, so every input is usable and short inputs pick the first choice.
public struct FuzzBytes {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// libFuzzer's buffer as an array (the buffer is only valid during the call).
    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        self.init(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    }

    public var isAtEnd: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// One of `choices`, chosen by the next byte.
    public mutating func choice<T>(_ choices: [T]) -> T {
        choices[Int(byte()) % choices.count]
    }

    /// The next `count` bytes (fewer at the end).
    public mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + count)
        defer { position = max(position, end) }
        return position < end ? Array(bytes[position..<end]) : []
    }

    /// A length byte, then that many bytes.
    public mutating func shortBytes() -> [UInt8] {
        bytes(Int(byte()))
    }

    /// Eight bytes as a little-endian signed integer.
    public mutating func int64() -> Int64 {
        bytes(8).reversed().reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] {
        defer { position = bytes.count }
        return position < bytes.count ? Array(bytes[position...]) : []
    }
}

/// Stops the fuzzer with a message: an oracle found a wrong result (not a crash of the code
/// under test, but as much a finding). libFuzzer saves the input as a crash file.
public func fuzzFailure(_ message: String, file: StaticString = #file, line: UInt = #line) -> Never {
    fatalError("fuzz oracle: " + message, file: file, line: line)
}

/// Checks an oracle's condition.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #file, line: UInt = #line) {
    if !condition() { fuzzFailure(message(), file: file, line: line) }
}
