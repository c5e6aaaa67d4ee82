-- Values a document leaves to the deploying authority (cases.md "Deployment parameters"), set by an
-- administrator for a region and a span of expense years, each with its source. Never edited: a new
-- value is a new row, the newest for a region and year applies.
CREATE TABLE deployment_parameters (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    region      TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    year_from   INTEGER NOT NULL,
    year_to     INTEGER,
    value       TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    set_by      TEXT    NOT NULL,
    set_at      TEXT    NOT NULL
);
CREATE INDEX ix_deployment_parameters_key ON deployment_parameters (key, region);
