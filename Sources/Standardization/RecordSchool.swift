import HubCore
import Topology

/// The school a raw record names, read exactly as the standardiser reads it: the first dialect
/// (in topology order) whose school-code field the record carries, its value trimmed of ASCII
/// whitespace; only a 10-digit code counts (anything else can name no registered school).
///
/// The raw zone owns a message by the schools its records name (and the registry as of the
/// message's time), never by the producer-chosen Kafka key.
public struct RecordSchool: Sendable {
    private let fieldNames: [[UInt8]]

    public init(stream: StreamDefinition) {
        fieldNames = stream.dialects.map { Array($0.schoolField.utf8) }
    }

    public func schoolCode(of record: RawRecord) -> String? {
        for name in fieldNames {
            // A repeated name keeps its last value, as in the standardiser.
            guard let field = record.fields.last(where: { $0.name.hasUTF8(name) }) else { continue }
            guard let text = Standardizer.text(of: field.value) else { return nil }
            let digits = text.utf8
            return digits.count == 10 && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } ? text : nil
        }
        return nil
    }
}
