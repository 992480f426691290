-- entente store, schema version 1 (SQLite). The PostgreSQL migration of the same version has the same tables.
CREATE TABLE ledger_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO ledger_meta (id, revision) VALUES (1, 0);

CREATE TABLE ledger_file (
    name TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    revision INTEGER NOT NULL
);

CREATE TABLE ledger_record (
    file TEXT NOT NULL REFERENCES ledger_file (name) ON DELETE CASCADE,
    id TEXT NOT NULL,
    pos INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (file, id)
);
CREATE UNIQUE INDEX ledger_record_pos ON ledger_record (file, pos);

CREATE TABLE app_user (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'reviewer', 'admin')),
    created TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);

CREATE TABLE session (
    token_sha256 TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES app_user (name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL
);

CREATE TABLE change (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    author TEXT NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'reverted')),
    created TEXT NOT NULL,
    base_revision INTEGER NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_note TEXT,
    applied_revision INTEGER,
    reverts INTEGER REFERENCES change (id)
);

CREATE TABLE change_edit (
    change_id INTEGER NOT NULL REFERENCES change (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    file TEXT NOT NULL,
    record_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('add', 'update', 'delete')),
    before_text TEXT,
    after_text TEXT,
    PRIMARY KEY (change_id, seq)
);

CREATE TABLE alert (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    actor TEXT NOT NULL,
    query TEXT NOT NULL,
    query_key TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    entity_name TEXT NOT NULL,
    list TEXT NOT NULL,
    score REAL NOT NULL,
    explanation_json TEXT NOT NULL
);

-- a decision on an alert; a false positive carries the allow-list entry (query_key, entity_id) until allow_expires
CREATE TABLE decision (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER NOT NULL UNIQUE REFERENCES alert (id),
    verdict TEXT NOT NULL CHECK (verdict IN ('true-match', 'false-positive')),
    note TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    allow_expires TEXT
);
CREATE INDEX decision_allow ON decision (allow_expires);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before_text TEXT,
    after_text TEXT
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
