import HubCore

/// The versioned school registry of SPEC §1: every `ref.school` message is kept, so a record
/// can be standardised against the registry *as of its raw message's timestamp* and
/// reprocessing it later gives the same answer.
public struct SchoolRegistry: Sendable {
    struct Version: Sendable {
        var timestampMs: Int64
        var partition: Int32
        var offset: Int64
        /// nil: the school was deleted by this message.
        var county: String?
    }

    private var versions: [String: [Version]] = [:]
    public private(set) var messageCount = 0

    public init() {}

    public var schoolCount: Int { versions.count }

    /// Records one registry message; `county` nil means the message deletes the school.
    /// Messages may arrive in any order; a redelivered message replaces its own copy.
    public mutating func apply(school: String, county: String?, timestampMs: Int64, partition: Int32, offset: Int64) {
        let v = Version(timestampMs: timestampMs, partition: partition, offset: offset, county: county)
        var list = versions[school, default: []]
        func before(_ a: Version, _ b: Version) -> Bool {
            (a.timestampMs, a.partition, a.offset) < (b.timestampMs, b.partition, b.offset)
        }
        if let same = list.firstIndex(where: { $0.partition == partition && $0.offset == offset }) {
            list[same] = v
        } else {
            var i = list.count
            while i > 0, before(v, list[i - 1]) { i -= 1 }
            list.insert(v, at: i)
            messageCount += 1
        }
        versions[school] = list
    }

    /// The school's county as of `timestampMs`: from the latest message with a timestamp at or
    /// before it. Nil when there is none or that message deleted the school.
    public func county(of school: String, asOf timestampMs: Int64) -> String? {
        guard let list = versions[school] else { return nil }
        var i = list.count - 1
        while i >= 0 {
            if list[i].timestampMs <= timestampMs { return list[i].county }
            i -= 1
        }
        return nil
    }

    /// The school's county now (the latest message), for replays and operators.
    public func currentCounty(of school: String) -> String? {
        versions[school]?.last?.county
    }
}
