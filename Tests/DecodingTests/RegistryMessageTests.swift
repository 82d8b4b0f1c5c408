import Decoding
import Testing

/// `ref.school` messages read as SPEC §1 says: key = school code, a 33xxxx county registers,
/// anything else deletes.
@Suite("Registry messages")
struct RegistryMessageTests {
    func read(_ key: String?, _ value: String?) -> RegistryMessage {
        RegistryMessage.read(key: key.map { Array($0.utf8) }, value: value.map { Array($0.utf8) })
    }

    @Test func registersWithNameAndStage() {
        let m = read(" 3133001234 ", #"{"school_code":"3133001234","name":" 西湖小学 ","county_code":" 330106 ","stage":"primary"}"#)
        #expect(m == RegistryMessage(school: "3133001234", county: "330106", name: "西湖小学", stage: "primary"))
    }

    @Test func countyAsAJSONIntegerAndSchoolFromTheValueWhenTheKeyIsBlank() {
        let m = read("  ", #"{"school_code":3133001234,"county_code":330212}"#)
        #expect(m == RegistryMessage(school: "3133001234", county: "330212"))
    }

    @Test func theKeyWinsOverTheValuesSchoolCode() {
        #expect(read("3133000001", #"{"school_code":"3133000002","county_code":"330106"}"#).school == "3133000001")
    }

    @Test func nullAndEmptyValuesDelete() {
        #expect(read("3133001234", nil) == RegistryMessage(school: "3133001234", county: nil))
        #expect(read("3133001234", "") == RegistryMessage(school: "3133001234", county: nil))
    }

    @Test("anything else deletes, flagged as malformed", arguments: [
        #"{"county_code":"310101"}"#, #"{"county_code":"33010"}"#, #"{"county_code":33.0106}"#, "not json", "[1]",
        #"{"county_code":"330106","county_code":"330106"}"#, "{\"a\":1}\n{\"b\":2}",
    ])
    func malformedDeletes(value: String) {
        let m = read("3133001234", value)
        #expect(m.county == nil && m.isMalformedDelete && m.school == "3133001234")
    }

    @Test("only a 10-digit code names a school; a name PostgreSQL cannot store is dropped")
    func hostileKeysAndNames() {
        for key in ["313300123", "31330012345", "11010519491231002X", "张三", "3133001234\u{0}"] {
            #expect(read(key, #"{"county_code":"330106"}"#).school == nil, "\(key.debugDescription)")
            #expect(read(key, nil).school == nil)
        }
        #expect(read(nil, #"{"school_code":"31330012345","county_code":"330106"}"#).school == nil)
        let m = read("3133001234", #"{"name":"西湖\u0000小学","stage":"\u0000","county_code":"330106"}"#)
        #expect(m == RegistryMessage(school: "3133001234", county: "330106"))
    }

    @Test func noSchoolAnywhere() {
        #expect(read(nil, #"{"county_code":"330106"}"#).school == nil)
        #expect(read("", nil).school == nil)
    }
}
