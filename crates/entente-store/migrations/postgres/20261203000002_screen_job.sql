-- entente store, schema version 2 (PostgreSQL): finished batch screening jobs, kept so that a restart does not
-- forget them. The SQLite migration of the same version has the same table.
CREATE TABLE screen_job (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    finished TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('done', 'failed')),
    error TEXT,
    parties BIGINT NOT NULL,
    alerting BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    allowed BIGINT NOT NULL,
    already_open BIGINT NOT NULL,
    -- the alert ids recorded (JSON array), or why none were
    recorded_json TEXT,
    recorded_error TEXT,
    result_csv TEXT NOT NULL,
    result_json TEXT NOT NULL
);
CREATE INDEX screen_job_created ON screen_job (created);
