-- Each audit line carries the region of the user who caused it, so that a county's auditor reads that
-- county's lines only (lines without a user — failed sign-ins — are read at province level).
ALTER TABLE audit_log ADD COLUMN region TEXT;
CREATE INDEX ix_audit_log_region ON audit_log (region);
