-- Replaced versions of registry rows, like settlement_history: a past run reads the registry as it was
-- at its last load batch (gongji run --reproduce).
CREATE TABLE households_history AS SELECT * FROM households WHERE 0;
ALTER TABLE households_history ADD COLUMN replaced_by_batch INTEGER;
CREATE INDEX ix_households_history_id ON households_history (household_id);

CREATE TABLE persons_history AS SELECT * FROM persons WHERE 0;
ALTER TABLE persons_history ADD COLUMN replaced_by_batch INTEGER;
CREATE INDEX ix_persons_history_id ON persons_history (psn_no);

CREATE TABLE identities_history AS SELECT * FROM identities WHERE 0;
ALTER TABLE identities_history ADD COLUMN replaced_by_batch INTEGER;
CREATE INDEX ix_identities_history_id ON identities_history (psn_no);

CREATE TABLE enrolments_history AS SELECT * FROM enrolments WHERE 0;
ALTER TABLE enrolments_history ADD COLUMN replaced_by_batch INTEGER;
CREATE INDEX ix_enrolments_history_id ON enrolments_history (psn_no);

CREATE INDEX ix_settlement_history_batch ON settlement_history (batch_id, replaced_by_batch);
