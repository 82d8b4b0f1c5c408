/// Uniqueness claims that the current state already holds are no longer stored: a person's
/// registry/staff number is read from `current_state` through this index, and a person's
/// enrolment claims are stored only once they span two schools. The (record type, school)
/// index goes: no query uses it, and with a dozen schools per batch its long duplicate lists
/// made every state insert slower.
struct HeldNumbersMigration: Migration {
    let version = 5
    let description = "held numbers read from current_state; claims kept only for persons at two or more schools; no school index"

    func sql(_ s: HubSchema) -> String {
        let n = s.name
        return """
            DROP INDEX \(n).current_state_school;
            CREATE INDEX current_state_local_id ON \(n).current_state (record_type, local_id_code)
                WHERE local_id_code IS NOT NULL;
            DELETE FROM \(n).quality_claims c USING \(n).quality_monitors m
                WHERE m.monitor = c.monitor AND m.rule = 'unique_local_id';
            COMMENT ON TABLE \(n).quality_claims IS
                'Enrolment claims of persons reported by two or more schools (one row per person and school); '
                'a person reported by one school only has the claim their current_state row implies.';
            """
    }
}
