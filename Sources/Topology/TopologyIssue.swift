/// One problem found in a topology file, with where it is.
public struct TopologyIssue: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, the form editors and CI logs link to.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// Every problem found while loading a topology; loading reports them all at once.
public struct TopologyError: Error, Sendable, CustomStringConvertible {
    public var issues: [TopologyIssue]

    public init(issues: [TopologyIssue]) { self.issues = issues }

    public var description: String {
        let plural = issues.count == 1 ? "problem" : "problems"
        return "invalid topology (\(issues.count) \(plural)):\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}
