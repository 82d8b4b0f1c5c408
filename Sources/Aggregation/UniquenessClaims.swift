import HubCore
import Topology

/// A claim compared by a uniqueness monitor: a member of a group, e.g. a school where a
/// person is (or was) enrolled, or a person who holds a registry number. A group with two or
/// more active members is a conflict, and each of its active members counts as failed at
/// its school.
public struct QualityClaim: Sendable, Equatable {
    public var group: String
    public var member: String
    public var school: String
    public var day: Int32
    public var active: Bool
    public var flagged: Bool
    public var version: StandardRecord.Version

    public init(group: String, member: String, school: String, day: Int32, active: Bool, flagged: Bool,
                version: StandardRecord.Version) {
        self.group = group
        self.member = member
        self.school = school
        self.day = day
        self.active = active
        self.flagged = flagged
        self.version = version
    }
}

/// The claims one batch proposes for one uniqueness monitor, and their effect on the
/// monitor's results once merged with the stored claims of the same groups.
public struct UniquenessClaims: Sendable {
    public enum Proposal: Sendable, Equatable {
        /// Replace the member's claim if this version is newer.
        case upsert(QualityClaim)
        case remove(group: String, member: String)
    }

    public let monitor: MonitorDefinition
    public private(set) var proposals: [Proposal] = []

    public init(monitor: MonitorDefinition) { self.monitor = monitor }

    public var groups: [String] {
        var seen: Set<String> = []
        for p in proposals {
            switch p {
            case .upsert(let c): seen.insert(c.group)
            case .remove(let g, _): seen.insert(g)
            }
        }
        return seen.sorted()
    }

    /// Every standardised record of the batch (not only the winners): a person's claim at a
    /// school follows that school's latest report, whichever school is current.
    public mutating func observe(_ r: StandardRecord) {
        guard r.type == monitor.recordType, case .oneSchoolPerPerson(let activeStatus) = monitor.rule else { return }
        let active = r.status.map(activeStatus.contains) ?? false
        proposals.append(.upsert(QualityClaim(group: r.key, member: r.schoolCode, school: r.schoolCode, day: r.qualityDay,
                                              active: active, flagged: false, version: r.version)))
    }

    /// A change of the current state: the registry/staff number a person holds follows their
    /// current version.
    public mutating func replace(_ old: StandardRecord?, with new: StandardRecord) {
        guard new.type == monitor.recordType, case .uniqueLocalId(let perSchool) = monitor.rule else { return }
        func group(_ r: StandardRecord) -> String? { r.localIdCode.map { perSchool ? r.schoolCode + $0 : $0 } }
        if let old, let g = group(old), g != group(new) { proposals.append(.remove(group: g, member: old.key)) }
        if let g = group(new) {
            proposals.append(.upsert(QualityClaim(group: g, member: new.key, school: new.schoolCode, day: new.qualityDay,
                                                  active: true, flagged: false, version: new.version)))
        }
    }

    public struct Outcome: Sendable {
        public var writes: [QualityClaim] = []
        public var removals: [(group: String, member: String)] = []
    }

    /// Merges the proposals into `stored` (every stored claim of the proposals' groups),
    /// recomputes the conflicts of those groups, and counts the changed claims in `deltas`.
    public func apply(stored: [QualityClaim], into deltas: inout QualityDeltas) -> Outcome {
        struct Key: Hashable { var group: String; var member: String }
        var before: [Key: QualityClaim] = [:]
        for c in stored { before[Key(group: c.group, member: c.member)] = c }
        var after = before
        for p in proposals {
            switch p {
            case .upsert(var c):
                let k = Key(group: c.group, member: c.member)
                if let current = after[k] {
                    guard current.version < c.version else { continue }
                    c.flagged = current.flagged
                }
                after[k] = c
            case .remove(let g, let m):
                after[Key(group: g, member: m)] = nil
            }
        }
        var activeCount: [String: Int] = [:]
        for c in after.values where c.active { activeCount[c.group, default: 0] += 1 }
        for (k, c) in after {
            after[k]?.flagged = c.active && (activeCount[c.group] ?? 0) >= 2
        }

        var outcome = Outcome()
        let exampleIsMember: Bool
        if case .uniqueLocalId = monitor.rule { exampleIsMember = true } else { exampleIsMember = false }
        // Order does not matter here: the database statements sort their rows.
        for k in Set(before.keys).union(after.keys) {
            let old = before[k], new = after[k]
            guard old != new else { continue }
            if let old, old.active {
                deltas.count(QualityRowKey(monitor: monitor.name, school: old.school, day: old.day), checked: -1, failed: old.flagged ? -1 : 0)
            }
            if let new, new.active {
                deltas.count(QualityRowKey(monitor: monitor.name, school: new.school, day: new.day), checked: 1,
                             failed: new.flagged ? 1 : 0, example: new.flagged ? (exampleIsMember ? new.member : new.group) : nil)
            }
            if let new { outcome.writes.append(new) } else { outcome.removals.append((k.group, k.member)) }
        }
        return outcome
    }
}
