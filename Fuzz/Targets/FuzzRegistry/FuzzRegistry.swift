import Decoding
import FuzzSupport
import HubCore

/// `ref.school` messages (SPEC §1) read by ``RegistryMessage/read(key:value:)`` from any key and
/// value: it never fails, and what it keeps is always usable.
///
/// Oracles: a school is a valid 10-digit school code or nil; a county is a valid `33xxxx` code or
/// nil (a delete); names and stages hold no NUL and are never blank; a null or empty value is a
/// plain delete of the key's school; the same message read twice means the same.
func fuzzRegistry(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzBytes(data, size)
    let flags = input.byte()
    let key: [UInt8]? = flags & 1 == 1 ? nil : input.shortBytes()
    let value: [UInt8]? = flags & 2 == 2 ? nil : input.rest()
    let message = RegistryMessage.read(key: key, value: value)

    if let school = message.school { fuzzCheck(SchoolCode.isValid(school), "school \(school.debugDescription) kept") }
    if let county = message.county { fuzzCheck(Region.isValidCounty(county), "county \(county.debugDescription) kept") }
    for text in [message.name, message.stage].compactMap({ $0 }) {
        fuzzCheck(!text.utf8.contains(0) && !text.isEmpty, "name or stage \(text.debugDescription) kept")
    }
    if value == nil || value?.isEmpty == true {
        fuzzCheck(message.county == nil && !message.isMalformedDelete, "a null or empty value is a plain delete")
    }
    fuzzCheck(message.county != nil || message.name == nil, "a delete carries a name")
    fuzzCheck(RegistryMessage.read(key: key, value: value) == message, "reading twice differs")
    return 0
}
