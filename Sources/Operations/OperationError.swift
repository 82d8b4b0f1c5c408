/// Why an operator action (replay, export) could not be carried out, in one line that names
/// the setting or the unit at fault. The CLI prints it; the scheduler records it as the
/// task's failure.
public struct OperationError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    static func sealed(_ what: String) -> OperationError {
        OperationError("\(what) sealed: give the at-rest key files (--at-rest-key-files / HUB_AT_REST_KEY_FILES)")
    }
}
