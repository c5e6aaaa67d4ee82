-- 因病致贫返贫风险潜在对象库: who entered the pool for an expense year, when and why, and when they left.
CREATE TABLE risk_pool (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    region          TEXT    NOT NULL,
    year            INTEGER NOT NULL,
    psn_no          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    monitoring_group TEXT   NOT NULL,
    base_fen        INTEGER NOT NULL,
    line_fen        INTEGER NOT NULL,
    entered_at      TEXT    NOT NULL,
    entered_run     INTEGER NOT NULL,
    exited_at       TEXT,
    exited_run      INTEGER,
    exit_reason     TEXT
);
CREATE INDEX ix_risk_pool_open ON risk_pool (region, year, psn_no);
