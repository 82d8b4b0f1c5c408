/// Every built-in indicator kind, by name. Adding a kind is adding its file, a line here and
/// its entry in `ScenarioKinds` (Topology), which validation checks and a test compares.
public enum IndicatorKindRegistry {
    public static let kinds: [String: any IndicatorKind] = {
        let all: [any IndicatorKind.Type] = [
            OversizedClasses.self, StudentTeacherRatio.self, DropoutRisk.self, StudentStatusShare.self, AttendanceRate.self,
            LowAttendanceStreak.self, AbsenceSpike.self, ClassRosterMismatch.self, OverAge.self, GenderRatio.self,
            EnrolmentChange.self, Grade1Intake.self, TeacherAttrition.self, TeachersNearRetirement.self, SchoolsWithout.self,
            ReportingCoverage.self,
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0.init()) })
    }()

    /// Each kind's parameter names, for the test against the topology's schema.
    public static var parameterNames: [String: [String]] {
        kinds.mapValues { type(of: $0).parameterNames }
    }
}
