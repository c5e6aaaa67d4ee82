-- Sign-in accounts (roles by department and township), hospitals' API keys, the append-only audit
-- log, and the follow-up loop of warnings (one case per person, kind and year; every step kept).
CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_name           TEXT    NOT NULL UNIQUE,
    display_name        TEXT    NOT NULL,
    role                TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    township            TEXT,
    password_hash       TEXT    NOT NULL,
    password_changed_at TEXT    NOT NULL,
    totp_secret         TEXT,
    failed_attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT    NOT NULL,
    created_by          TEXT    NOT NULL
);

CREATE TABLE hospital_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    hospital    TEXT    NOT NULL,
    region      TEXT    NOT NULL,
    key_prefix  TEXT    NOT NULL,
    key_hash    TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    detail      TEXT,
    address     TEXT
);
CREATE INDEX ix_audit_log_at ON audit_log (at);
-- The log is evidence: the application can add to it, never change or remove a line.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE warning_cases (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    region           TEXT    NOT NULL,
    year             INTEGER NOT NULL,
    psn_no           TEXT    NOT NULL,
    household_id     TEXT,
    township         TEXT,
    kind             TEXT    NOT NULL,
    monitoring_group TEXT    NOT NULL,
    base_fen         INTEGER,
    line_fen         INTEGER,
    clause           TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    assignee         TEXT,
    finding          TEXT,
    raised_at        TEXT    NOT NULL,
    state_since      TEXT    NOT NULL,
    due_at           TEXT,
    run_id           INTEGER NOT NULL,
    UNIQUE (region, year, psn_no, kind)
);
CREATE INDEX ix_warning_cases_state ON warning_cases (region, year, state);

CREATE TABLE warning_steps (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES warning_cases (id),
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    from_state  TEXT,
    to_state    TEXT    NOT NULL,
    assignee    TEXT,
    finding     TEXT,
    note        TEXT
);
CREATE INDEX ix_warning_steps_case ON warning_steps (case_id);

-- The hospitals' identity flag looks people up by ID number.
CREATE INDEX ix_persons_certno ON persons (certno);
