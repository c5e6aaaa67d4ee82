-- Funds as double-entry ledgers (entries and their postings are never changed: corrections are
-- reversing entries), applications with their workflow steps and public-notice objections, and
-- payment batches with one payment per approved application.
CREATE TABLE funds (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    region          TEXT    NOT NULL,
    payer           TEXT    NOT NULL,
    workflow        TEXT    NOT NULL,
    sharing         TEXT    NOT NULL,
    fiscal_cap      TEXT,
    notice_days     INTEGER NOT NULL,
    created_at      TEXT    NOT NULL
);

CREATE TABLE ledger_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    fund_id         INTEGER NOT NULL REFERENCES funds (id),
    at              TEXT    NOT NULL,
    value_date      TEXT    NOT NULL,
    fund_year       INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    source          TEXT,
    memo            TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    reverses_id     INTEGER REFERENCES ledger_entries (id),
    application_id  INTEGER,
    created_by      TEXT    NOT NULL
);
CREATE INDEX ix_ledger_entries_fund ON ledger_entries (fund_id, value_date);

CREATE TABLE ledger_postings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id        INTEGER NOT NULL REFERENCES ledger_entries (id),
    fund_id         INTEGER NOT NULL REFERENCES funds (id),
    account         TEXT    NOT NULL,
    amount_fen      INTEGER NOT NULL
);
CREATE INDEX ix_ledger_postings_account ON ledger_postings (fund_id, account);

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable: post a reversing entry'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable: post a reversing entry'); END;
CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings BEGIN SELECT RAISE(ABORT, 'ledger postings are immutable'); END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings BEGIN SELECT RAISE(ABORT, 'ledger postings are immutable'); END;

CREATE TABLE applications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    fund_id         INTEGER NOT NULL REFERENCES funds (id),
    region          TEXT    NOT NULL,
    township        TEXT,
    year            INTEGER NOT NULL,
    psn_no          TEXT,
    household_id    TEXT,
    subject         TEXT    NOT NULL UNIQUE,
    applied_on      TEXT    NOT NULL,
    computed_fen    INTEGER NOT NULL,
    granted_fen     INTEGER,
    paid_fen        INTEGER NOT NULL DEFAULT 0,
    clause          TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    state_since     TEXT    NOT NULL,
    prepared_by     TEXT,
    notice_from     TEXT,
    notice_until    TEXT,
    note            TEXT,
    version         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_applications_fund ON applications (fund_id, state);

CREATE TABLE application_steps (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  INTEGER NOT NULL REFERENCES applications (id),
    at              TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    from_state      TEXT,
    to_state        TEXT    NOT NULL,
    amount_fen      INTEGER,
    note            TEXT
);
CREATE INDEX ix_application_steps_app ON application_steps (application_id);

CREATE TABLE objections (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  INTEGER NOT NULL REFERENCES applications (id),
    at              TEXT    NOT NULL,
    raised_by       TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    resolved_at     TEXT,
    resolved_by     TEXT,
    resolution      TEXT
);

CREATE TABLE payments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_key     TEXT    NOT NULL UNIQUE,
    batch           TEXT    NOT NULL,
    fund_id         INTEGER NOT NULL REFERENCES funds (id),
    application_id  INTEGER NOT NULL REFERENCES applications (id),
    amount_fen      INTEGER NOT NULL,
    state           TEXT    NOT NULL,
    sent_at         TEXT    NOT NULL,
    settled_at      TEXT,
    bank_ref        TEXT,
    bank_message    TEXT
);
CREATE INDEX ix_payments_batch ON payments (batch);
