/// hub-api's clients (a token hash each, never the token) and the interface audit: one row
/// per request, append-only (a trigger refuses UPDATE, DELETE and TRUNCATE).
struct DataServicesMigration: Migration {
    let version = 8
    let description = "data services: API clients and the interface audit"

    func sql(_ s: HubSchema) -> String {
        let n = s.name
        return """
            CREATE TABLE \(n).api_clients (
                id bigserial PRIMARY KEY,
                name text NOT NULL UNIQUE,
                level text NOT NULL CHECK (level IN ('province', 'city', 'county', 'school', 'operator')),
                region_code text,
                role_name text NOT NULL,
                token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
                created_at timestamptz NOT NULL DEFAULT now(),
                created_by text NOT NULL DEFAULT current_user,
                expires_at timestamptz,
                revoked_at timestamptz);
            COMMENT ON TABLE \(n).api_clients IS
                'Clients of hub-api: level, region, the level role requests run under, and the SHA-256 of the token (the token itself is shown once).';

            CREATE TABLE \(n).api_audit (
                id bigserial PRIMARY KEY,
                at timestamptz NOT NULL DEFAULT clock_timestamp(),
                client_id bigint,
                client_name text,
                level text,
                region_code text,
                method text NOT NULL,
                endpoint text NOT NULL,
                parameters jsonb NOT NULL DEFAULT '{}',
                rows_returned int NOT NULL DEFAULT 0,
                status int NOT NULL,
                duration_ms double precision NOT NULL DEFAULT 0,
                export_id text,
                remote_address text);
            CREATE INDEX api_audit_client ON \(n).api_audit (client_id, id);
            CREATE INDEX api_audit_export ON \(n).api_audit (export_id) WHERE export_id IS NOT NULL;
            COMMENT ON TABLE \(n).api_audit IS
                'Interface audit of hub-api: one row per request (client, endpoint, parameters, rows, status, time); append-only.';

            CREATE FUNCTION \(n).api_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                RAISE EXCEPTION 'the interface audit is append-only (% refused)', TG_OP;
            END
            $fn$;
            CREATE TRIGGER api_audit_append_only BEFORE UPDATE OR DELETE ON \(n).api_audit
                FOR EACH ROW EXECUTE FUNCTION \(n).api_audit_append_only();
            CREATE TRIGGER api_audit_no_truncate BEFORE TRUNCATE ON \(n).api_audit
                FOR EACH STATEMENT EXECUTE FUNCTION \(n).api_audit_append_only();
            """
    }
}
