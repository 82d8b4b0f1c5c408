import Foundation
import Testing

/// Rules about the shape of `Sources/` that review alone does not keep: no function, initialiser
/// or accessor body longer than 80 lines (STYLE.md; issue 15). The scanner is deliberately
/// simple — it follows braces outside string literals and comments — and is tested on its own
/// below, so a failure names a real function.
@Suite("Source shape")
struct SourceShapeTests {
    static let maxBodyLines = 80

    @Test("no function in Sources/ is longer than 80 lines")
    func noLongFunctions() throws {
        let root = DeployTests.repositoryRoot + "/Sources"
        var long: [String] = []
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        for file in files.sorted() where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            for f in FunctionLengths.scan(text) where f.lines > Self.maxBodyLines {
                long.append("Sources/\(file):\(f.line) \(f.lines) lines: \(f.declaration)")
            }
        }
        #expect(long.isEmpty, "functions over \(Self.maxBodyLines) lines:\n\(long.joined(separator: "\n"))")
    }

    @Test("the scanner measures braces outside strings and comments")
    func scannerCounts() {
        let text = """
            struct S {
                func a() {
                    let s = "}{ not a brace"
                    // } neither
                    let t = \"\"\"
                        { inside a multi-line string
                        \"\"\"
                }
                init(x: Int) { self.x = x }
                func b() -> Int {
                    if true {
                        return 1
                    }
                    return 2
                }
            }
            """
        let found = FunctionLengths.scan(text)
        #expect(found.map(\.line) == [2, 9, 10])
        #expect(found.map(\.lines) == [7, 1, 6])
    }
}

/// Finds `func`/`init`/`deinit`/`subscript` declarations and the number of lines from the
/// declaration to its closing brace.
enum FunctionLengths {
    struct Function { let line: Int; let lines: Int; let declaration: String }

    static func scan(_ text: String) -> [Function] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var lexer = BraceLexer()
        let code = lines.map { lexer.lex($0) }
        var found: [Function] = []
        var index = 0
        while index < lines.count {
            guard !code[index].startsInString, isDeclaration(lines[index]),
                  let end = closingLine(from: index, lines, code) else {
                index += 1
                continue
            }
            found.append(Function(line: index + 1, lines: end - index + 1,
                                  declaration: lines[index].trimmingCharacters(in: .whitespaces)))
            index = end + 1
        }
        return found
    }

    static func isDeclaration(_ line: String) -> Bool {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        while let first = words.first, modifiers.contains(first) || first.hasPrefix("@") { words = words.dropFirst() }
        guard let keyword = words.first else { return false }
        return keyword == "func" || keyword == "deinit" || keyword.hasPrefix("init(") || keyword.hasPrefix("init?(")
            || keyword.hasPrefix("init<") || keyword.hasPrefix("subscript(") || keyword.hasPrefix("subscript<")
    }

    private static let modifiers: Set<Substring> = [
        "public", "private", "fileprivate", "internal", "package", "static", "class", "override", "mutating",
        "nonmutating", "nonisolated", "final", "convenience", "required", "private(set)", "public(set)",
    ]

    /// The line holding the brace that closes the body opened after the declaration at
    /// `start`, or nil for a declaration without a body (a protocol requirement): another
    /// declaration or a closing brace comes before any opening one.
    private static func closingLine(from start: Int, _ lines: [String], _ code: [BraceLexer.Line]) -> Int? {
        var depth = 0
        var opened = false
        for index in start..<code.count {
            if !opened && index > start && (isDeclaration(lines[index]) || code[index].braces.first == -1) { return nil }
            for delta in code[index].braces {
                depth += delta
                if delta > 0 { opened = true }
                if opened && depth == 0 { return index }
            }
        }
        return nil
    }
}

/// Braces (+1 / −1) outside string literals and comments, line by line; multi-line strings
/// and block comments carry over from one line to the next.
struct BraceLexer {
    struct Line { var braces: [Int] = []; var startsInString = false }

    private var inMultiline = false
    private var inBlockComment = false

    mutating func lex(_ line: String) -> Line {
        var out = Line(startsInString: inMultiline)
        let chars = Array(line.unicodeScalars)
        func at(_ i: Int) -> Unicode.Scalar { i < chars.count ? chars[i] : " " }
        func tripleQuote(_ i: Int) -> Bool { at(i) == "\"" && at(i + 1) == "\"" && at(i + 2) == "\"" }
        var i = 0
        var inLiteral = false
        while i < chars.count {
            let c = chars[i]
            if inBlockComment {
                if c == "*" && at(i + 1) == "/" { inBlockComment = false; i += 1 }
            } else if inMultiline {
                if c == "\\" { i += 1 } else if tripleQuote(i) { inMultiline = false; i += 2 }
            } else if inLiteral {
                if c == "\\" { i += 1 } else if c == "\"" { inLiteral = false }
            } else if tripleQuote(i) {
                inMultiline = true; i += 2
            } else if c == "\"" {
                inLiteral = true
            } else if c == "/" && at(i + 1) == "/" {
                break
            } else if c == "/" && at(i + 1) == "*" {
                inBlockComment = true; i += 1
            } else if c == "{" {
                out.braces.append(1)
            } else if c == "}" {
                out.braces.append(-1)
            }
            i += 1
        }
        return out
    }
}
