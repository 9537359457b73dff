-- A resident's stable key is (issuer, subject): cases, submissions and
-- drafts keep the issuer beside the subject, and request rows keep it with
-- their copy of the case. Rows written before this migration have none.
ALTER TABLE cases ADD COLUMN submitter_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN submitter_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE drafts ADD COLUMN subject_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN submitter_issuer TEXT NOT NULL DEFAULT '';
