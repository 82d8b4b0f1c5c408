/// The scheduler's state: DAG runs, their task instances, and the leadership record whose
/// epoch fences a deposed leader's late writes.
struct SchedulerMigration: Migration {
    let version = 3
    let description = "scheduler: DAG runs, task instances, leadership"

    func sql(_ s: HubSchema) -> String {
        """
            CREATE TABLE \(s.name).dag_runs (
                id bigserial PRIMARY KEY,
                dag text NOT NULL,
                interval_start timestamptz NOT NULL,
                interval_end timestamptz NOT NULL,
                kind text NOT NULL CHECK (kind IN ('scheduled', 'backfill', 'manual')),
                state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'success', 'failed')),
                created_at timestamptz NOT NULL,
                started_at timestamptz,
                ended_at timestamptz,
                UNIQUE (dag, interval_start, kind));
            CREATE INDEX dag_runs_active ON \(s.name).dag_runs (dag, state);
            COMMENT ON TABLE \(s.name).dag_runs IS
                'One row per run of a scheduler DAG over its data interval [interval_start, interval_end).';

            CREATE TABLE \(s.name).task_instances (
                run_id bigint NOT NULL REFERENCES \(s.name).dag_runs (id) ON DELETE CASCADE,
                task text NOT NULL,
                state text NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'running', 'success', 'failed', 'up_for_retry', 'upstream_failed')),
                attempt int NOT NULL DEFAULT 0,
                retry_at timestamptz,
                started_at timestamptz,
                ended_at timestamptz,
                output text,
                claimed_by text,
                lease_token bigint,
                PRIMARY KEY (run_id, task));
            CREATE INDEX task_instances_running ON \(s.name).task_instances (state) WHERE state = 'running';
            COMMENT ON TABLE \(s.name).task_instances IS
                'One row per task of a DAG run; lease_token fences the attempt that may record its result.';

            CREATE SEQUENCE \(s.name).scheduler_lease_tokens;

            CREATE TABLE \(s.name).scheduler_leadership (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                leader text NOT NULL,
                epoch bigint NOT NULL,
                acquired_at timestamptz NOT NULL DEFAULT clock_timestamp());
            """
    }
}
