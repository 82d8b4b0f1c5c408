/// Operators steer DAGs: a paused DAG gets no new scheduled runs and starts no task until it is
/// unpaused (`hubctl dag pause|unpause`).
struct DAGStateMigration: Migration {
    let version = 12
    let description = "scheduler: paused DAGs"

    func sql(_ s: HubSchema) -> String {
        """
            CREATE TABLE \(s.name).dag_state (
                dag text PRIMARY KEY,
                paused boolean NOT NULL DEFAULT false,
                changed_at timestamptz NOT NULL DEFAULT now(),
                changed_by text NOT NULL DEFAULT current_user);
            COMMENT ON TABLE \(s.name).dag_state IS
                'Operator switches per scheduler DAG: paused DAGs create no scheduled runs and launch no tasks.';
            """
    }
}
