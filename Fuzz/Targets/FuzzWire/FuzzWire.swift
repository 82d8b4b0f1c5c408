import FuzzSupport
import HubCore

/// The internal topics' binary formats (`hub.ingested`, `std.*`, `hub.quarantine`) read from
/// arbitrary bytes: a corrupt or hostile internal message must be an error, never a trap.
///
/// Oracle: whatever decodes encodes to bytes that decode to the same value.
func fuzzWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let format = input.byte() % 4
    let bytes = input.rest()
    switch format {
    case 0:
        if let message = try? IngestedMessage(decoding: bytes) {
            fuzzCheck((try? IngestedMessage(decoding: message.encoded())) == message, "ingested message does not round-trip")
        }
        // What transform reads: one message or an ingest bundle of them.
        if let messages = try? IngestedBundle.messages(decoding: bytes) {
            let again = try? IngestedBundle.messages(decoding: IngestedBundle.encode(messages.map { $0.encoded() }))
            fuzzCheck(again == messages, "ingested bundle does not round-trip")
        }
    case 1:
        if let record = try? StandardRecord(decoding: bytes) {
            fuzzCheck((try? StandardRecord(decoding: record.encoded())) == record, "standard record does not round-trip")
        }
    case 2:
        if let records = try? StandardRecordBatch.records(decodingMessage: bytes) {
            let again = try? StandardRecordBatch.records(decodingMessage: StandardRecordBatch(records: records).encoded())
            fuzzCheck(again == records, "standard record batch does not round-trip")
        }
    default:
        if let unit = try? QuarantineUnit(decoding: bytes) {
            fuzzCheck((try? QuarantineUnit(decoding: unit.encoded())) == unit, "quarantine unit does not round-trip")
        }
    }
    return 0
}
