import Foundation

/// The integration tests run the worker executables from `.build`; `swift test` compiles the
/// modules the test bundle needs (worker modules included) but does not link the executables,
/// so after an edit it would run old workers and test old code. This check finds an
/// executable older than an object file the compiler produced for any target it is built from
/// (its product's target and their dependencies, read from Package.swift) and says what to
/// run. Objects, not sources: the compiler decides what changed (a checkout that only touches
/// files recompiles nothing, and is no reason to complain).
enum BinaryFreshness {
    /// Nil when every executable is at least as new as its targets' objects; else the stale
    /// ones and the command that relinks them.
    static func problem(binDirectory: String, repositoryRoot: String, executables: [String]) -> String? {
        guard let manifest = try? String(contentsOfFile: repositoryRoot + "/Package.swift", encoding: .utf8) else { return nil }
        let graph = TargetGraph(manifest)
        var stale: [String] = []
        for executable in executables {
            let binary = binDirectory + "/" + executable
            guard let built = modified(binary) else {
                stale.append("\(executable) is missing")
                continue
            }
            for target in graph.closure(ofProduct: executable) {
                if let (file, time) = newestObject(in: binDirectory + "/\(target).build"), time > built {
                    stale.append("\(executable) is older than \(target).build/\(file) (compiled, not linked)")
                    break
                }
            }
        }
        guard !stale.isEmpty else { return nil }
        return "stale worker binaries in \(binDirectory): \(stale.joined(separator: "; ")). "
            + "Run `swift build` (or scripts/test.sh, which builds everything first) before `swift test`."
    }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    static func newestObject(in directory: String) -> (String, Date)? {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        var newest: (String, Date)?
        for file in files where file.hasSuffix(".o") {
            if let time = modified(directory + "/" + file), newest.map({ time > $0.1 }) ?? true { newest = (file, time) }
        }
        return newest
    }

    /// Targets and products as Package.swift declares them (the shapes this manifest uses).
    struct TargetGraph {
        var dependencies: [String: [String]] = [:]
        var paths: [String: String] = [:]
        var products: [String: [String]] = [:]

        init(_ manifest: String) {
            for call in Self.calls(in: manifest, named: [".target(", ".executableTarget(", ".systemLibrary(", ".testTarget("]) {
                guard let name = Self.string(after: "name:", in: call) else { continue }
                if let path = Self.string(after: "path:", in: call) { paths[name] = path }
                guard let open = call.range(of: "dependencies: [") else { continue }
                var list = String(call[open.upperBound...])
                for product in Self.calls(in: list, named: [".product("]) {
                    if let r = list.range(of: product) { list.removeSubrange(r) }
                }
                if let close = list.firstIndex(of: "]") { list = String(list[..<close]) }
                dependencies[name] = Self.strings(in: list)
            }
            for call in Self.calls(in: manifest, named: [".executable("]) {
                guard let name = Self.string(after: "name:", in: call), let open = call.range(of: "targets: [") else { continue }
                products[name] = Self.strings(in: String(call[open.upperBound...].prefix { $0 != "]" }))
            }
        }

        /// Every `name(…)` call in `text`, each through its matching parenthesis.
        static func calls(in text: String, named names: [String]) -> [String] {
            var out: [String] = []
            for name in names {
                var searchFrom = text.startIndex
                while let r = text.range(of: name, range: searchFrom..<text.endIndex) {
                    var depth = 0
                    var i = text.index(before: r.upperBound)
                    while i < text.endIndex {
                        if text[i] == "(" { depth += 1 }
                        if text[i] == ")" { depth -= 1; if depth == 0 { break } }
                        i = text.index(after: i)
                    }
                    let end = i < text.endIndex ? text.index(after: i) : text.endIndex
                    out.append(String(text[r.lowerBound..<end]))
                    searchFrom = r.upperBound
                }
            }
            return out
        }

        /// The string literal right after `label` in `call`.
        static func string(after label: String, in call: String) -> String? {
            guard let r = call.range(of: label) else { return nil }
            let rest = call[r.upperBound...].drop { $0 == " " }
            guard rest.first == "\"" else { return nil }
            return String(rest.dropFirst().prefix { $0 != "\"" })
        }

        /// The string literals in `text`, in order.
        static func strings(in text: String) -> [String] {
            text.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }

        /// The product's targets and everything they depend on inside this package.
        func closure(ofProduct product: String) -> [String] {
            var seen: [String] = []
            var todo = products[product] ?? []
            while let t = todo.popLast() {
                guard !seen.contains(t) else { continue }
                seen.append(t)
                todo += dependencies[t] ?? []
            }
            return seen
        }
    }
}
