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

    /// The groups the proposals touch, each once, in the order first proposed.
    public var groups: [String] {
        var seen: Set<String> = []
        seen.reserveCapacity(proposals.count)
        var out: [String] = []
        for p in proposals {
            let g: String
            switch p {
            case .upsert(let c): g = c.group
            case .remove(let group, _): g = group
            }
            if seen.insert(g).inserted { out.append(g) }
        }
        return out
    }

    /// The claim the version `r` makes, if it makes one: for one school per person, the
    /// person's enrolment at the record's school; for a unique local id, the person's hold on
    /// the number. Flagged is left false (it depends on the other members of the group).
    public func claim(of r: StandardRecord) -> QualityClaim? {
        guard r.type == monitor.recordType else { return nil }
        switch monitor.rule {
        case .oneSchoolPerPerson(let activeStatus):
            return QualityClaim(group: r.key, member: r.schoolCode, school: r.schoolCode, day: r.qualityDay,
                                active: r.status.map(activeStatus.contains) ?? false, flagged: false, version: r.version)
        case .uniqueLocalId(let perSchool):
            guard let id = r.localIdCode else { return nil }
            return QualityClaim(group: perSchool ? r.schoolCode + id : id, member: r.key, school: r.schoolCode, day: r.qualityDay,
                                active: true, flagged: false, version: r.version)
        default:
            return nil
        }
    }

    /// Every standardised record of the batch (not only the winners): a person's claim at a
    /// school follows that school's latest report, whichever school is current.
    public mutating func observe(_ r: StandardRecord) {
        guard case .oneSchoolPerPerson = monitor.rule, let c = claim(of: r) else { return }
        proposals.append(.upsert(c))
    }

    /// A change of the current state: the registry/staff number a person holds follows their
    /// current version.
    public mutating func replace(_ old: StandardRecord?, with new: StandardRecord) {
        guard case .uniqueLocalId = monitor.rule else { return }
        let claim = claim(of: new)
        if let old, let g = self.claim(of: old)?.group, g != claim?.group { proposals.append(.remove(group: g, member: old.key)) }
        if let claim { proposals.append(.upsert(claim)) }
    }

    /// The conflict rule: a claim is in conflict when it is active and its group has two or
    /// more active claims.
    static func inConflict(_ c: QualityClaim, activeInGroup: Int) -> Bool { c.active && activeInGroup >= 2 }

    /// `claims` (whole groups) with their flags set by the conflict rule; for stored claims
    /// whose flags are derived rather than stored.
    public static func markingConflicts(_ claims: [QualityClaim]) -> [QualityClaim] {
        var active: [String: Int] = [:]
        for c in claims where c.active { active[c.group, default: 0] += 1 }
        return claims.map { c in
            var c = c
            c.flagged = inConflict(c, activeInGroup: active[c.group, default: 0])
            return c
        }
    }

    public struct Outcome: Sendable {
        /// Claims that are new or changed.
        public var writes: [QualityClaim] = []
        public var removals: [(group: String, member: String)] = []
        /// Every group the merge touched, with all of its claims after it.
        public var groups: [(group: String, claims: [QualityClaim])] = []
    }

    /// Merges the proposals into `stored` (every stored claim of the proposals' groups),
    /// recomputes the conflicts of those groups, and counts the changed claims in `deltas`.
    public func apply(stored: [QualityClaim], into deltas: inout QualityDeltas) -> Outcome {
        // One entry per group (found by one hash of the group), holding its few members.
        struct Slot {
            var member: String
            var before: QualityClaim?
            var after: QualityClaim?
        }
        var groupIndex: [String: Int] = [:]
        groupIndex.reserveCapacity(stored.count + proposals.count)
        var groupNames: [String] = []
        var members: [[Slot]] = []
        func slots(of group: String) -> Int {
            if let i = groupIndex[group] { return i }
            groupIndex[group] = members.count
            groupNames.append(group)
            members.append([])
            return members.count - 1
        }
        for c in stored {
            members[slots(of: c.group)].append(Slot(member: c.member, before: c, after: c))
        }
        for p in proposals {
            switch p {
            case .upsert(var c):
                let g = slots(of: c.group)
                guard let i = members[g].firstIndex(where: { $0.member == c.member }) else {
                    members[g].append(Slot(member: c.member, before: nil, after: c))
                    continue
                }
                if let current = members[g][i].after {
                    guard current.version < c.version else { continue }
                    c.flagged = current.flagged
                }
                members[g][i].after = c
            case .remove(let group, let member):
                guard let g = groupIndex[group], let i = members[g].firstIndex(where: { $0.member == member }) else { continue }
                members[g][i].after = nil
            }
        }

        var outcome = Outcome()
        let exampleIsMember: Bool
        if case .uniqueLocalId = monitor.rule { exampleIsMember = true } else { exampleIsMember = false }
        // Order does not matter here: the database statements sort their rows.
        outcome.groups.reserveCapacity(members.count)
        for g in members.indices {
            let active = members[g].reduce(0) { $0 + (($1.after?.active ?? false) ? 1 : 0) }
            var after: [QualityClaim] = []
            after.reserveCapacity(members[g].count)
            for slot in members[g] {
                let old = slot.before
                var new = slot.after
                if var c = new {
                    c.flagged = Self.inConflict(c, activeInGroup: active)
                    after.append(c)
                    new = c
                }
                guard old != new else { continue }
                if let old, old.active {
                    deltas.count(QualityRowKey(monitor: monitor.name, school: old.school, day: old.day), checked: -1,
                                 failed: old.flagged ? -1 : 0)
                }
                if let new, new.active {
                    deltas.count(QualityRowKey(monitor: monitor.name, school: new.school, day: new.day), checked: 1,
                                 failed: new.flagged ? 1 : 0, example: new.flagged ? (exampleIsMember ? new.member : new.group) : nil)
                }
                if let new { outcome.writes.append(new) } else { outcome.removals.append((groupNames[g], slot.member)) }
            }
            outcome.groups.append((groupNames[g], after))
        }
        return outcome
    }
}
