import CLibPQ

/// A libpq connection string — keywords (`host=… dbname=…`) or a `postgresql://` URL — read
/// by libpq itself (`PQconninfoParse`), so both forms are handled exactly as libpq does.
///
/// Used to add a password kept in a file to whatever form the operator wrote: appending
/// `password='…'` to a URL would make an invalid string (and libpq's complaint about it could
/// quote the password), so the string is parsed and written back as keywords instead.
public struct PGConnInfo: Sendable, Equatable {
    /// The parameters the string sets, in libpq's order of keywords.
    public private(set) var parameters: [(keyword: String, value: String)]

    public static func == (a: PGConnInfo, b: PGConnInfo) -> Bool {
        a.parameters.elementsEqual(b.parameters) { $0.keyword == $1.keyword && $0.value == $1.value }
    }

    /// Parses `text`.
    /// - Throws: ``PGConnInfoError`` with libpq's reason, quoted fragments of the input masked
    ///   (they could be part of a password).
    public init(_ text: String) throws(PGConnInfoError) {
        guard !text.utf8.contains(0) else { throw PGConnInfoError("contains a NUL character") }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PGConnInfoError(Self.masked(reason))
        }
        defer { PQconninfoFree(options) }
        var out: [(String, String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { out.append((String(cString: keyword), String(cString: value))) }
            option += 1
        }
        parameters = out
    }

    /// The value of `keyword`, if set.
    public subscript(keyword: String) -> String? {
        get { parameters.last { $0.keyword == keyword }?.value }
        set {
            parameters.removeAll { $0.keyword == keyword }
            if let newValue { parameters.append((keyword, newValue)) }
        }
    }

    /// Keyword form, every value single-quoted with `\` and `'` escaped (libpq's rules).
    public var keywordString: String {
        parameters.map { "\($0.keyword)='\(Self.escaped($0.value))'" }.joined(separator: " ")
    }

    static func escaped(_ value: String) -> String {
        var out = ""
        for c in value {
            if c == "\\" || c == "'" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// libpq's message on one line, with every double-quoted fragment replaced by `"…"`.
    static func masked(_ message: String) -> String {
        var out = ""
        var inQuotes = false
        for c in message {
            if c == "\"" {
                out += inQuotes ? "…\"" : "\""
                inQuotes.toggle()
            } else if !inQuotes {
                out.append(c == "\n" || c == "\r\n" || c == "\r" ? " " : c)
            }
        }
        if inQuotes { out += "…" }
        while out.last == " " { out.removeLast() }
        return out
    }
}

/// A connection string libpq cannot read.
public struct PGConnInfoError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
