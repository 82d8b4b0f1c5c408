import CLibPQ

extension PGError {
    /// The error for a failed command: the server's SQLSTATE and primary message when
    /// there is a result, libpq's connection message otherwise. Marked as a connection
    /// error when the connection is no longer OK or the SQLSTATE says the session is gone.
    init(result: OpaquePointer?, connection: OpaquePointer) {
        let connectionBroken = PQstatus(connection) != CONNECTION_OK
        var state: String?
        var primary: String?
        var detail: String?
        var column: String?
        if let result {
            state = Self.field(result, DiagnosticField.sqlState)
            primary = Self.field(result, DiagnosticField.primaryMessage)
            detail = Self.field(result, DiagnosticField.detail).map(Self.oneLine)
            column = Self.field(result, DiagnosticField.column)
                ?? Self.field(result, DiagnosticField.context).flatMap(Self.copyColumn(context:))
            if primary == nil, let text = PQresultErrorMessage(result) {
                primary = Self.nonEmpty(Self.oneLine(String(cString: text)))
            }
        }
        if primary == nil {
            primary = Self.nonEmpty(Self.oneLine(String(cString: PQerrorMessage(connection))))
        }
        self.init(
            sqlState: state,
            message: primary ?? "unknown libpq error",
            detail: detail,
            isConnectionError: connectionBroken || state.map(Self.isConnectionState) ?? false,
            column: column
        )
    }

    /// An error from the connection's own message (connect, reset, COPY transport).
    init(connection: OpaquePointer, context: String? = nil) {
        let text = Self.oneLine(String(cString: PQerrorMessage(connection)))
        let message = text.isEmpty ? "unknown libpq error" : text
        self.init(
            message: context.map { "\($0): \(message)" } ?? message,
            isConnectionError: PQstatus(connection) != CONNECTION_OK
        )
    }

    /// libpq's PG_DIAG_* codes are character-literal macros, which Swift cannot import.
    private enum DiagnosticField {
        static let sqlState = Int32(UInt8(ascii: "C"))
        static let primaryMessage = Int32(UInt8(ascii: "M"))
        static let detail = Int32(UInt8(ascii: "D"))
        static let column = Int32(UInt8(ascii: "c"))
        static let context = Int32(UInt8(ascii: "W"))
    }

    private static func field(_ result: OpaquePointer, _ code: Int32) -> String? {
        guard let value = PQresultErrorField(result, code) else { return nil }
        return nonEmpty(String(cString: value))
    }

    private static func nonEmpty(_ text: String) -> String? {
        text.isEmpty ? nil : text
    }
}
