import Foundation

/// The integration tests run the worker executables from `.build`; a bare `swift test` builds
/// the test bundle but not those executables, so after an edit it would run old workers and
/// test old code. This check finds an executable older than a source file of any target it is
/// built from (read from Package.swift: its product's target and their dependencies) and
/// says what to run.
enum BinaryFreshness {
    /// Nil when every executable is at least as new as its sources; else the stale ones and
    /// the command that rebuilds them.
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
                let directory = repositoryRoot + "/" + (graph.paths[target] ?? "Sources/\(target)")
                if let (file, time) = newestSource(in: directory), time > built {
                    stale.append("\(executable) is older than \(file.dropFirst(repositoryRoot.count + 1))")
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

    static func newestSource(in directory: String) -> (String, Date)? {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return nil }
        var newest: (String, Date)?
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".swift") || relative.hasSuffix(".h") || relative.hasSuffix(".modulemap") else { continue }
            let path = directory + "/" + relative
            if let time = modified(path), newest.map({ time > $0.1 }) ?? true { newest = (path, time) }
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
