-- A resident's stable key is (issuer, subject): cases, submissions and
-- drafts keep the issuer beside the subject. Rows written before this
-- migration have none.
ALTER TABLE cases ADD COLUMN submitter_issuer text NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN submitter_issuer text NOT NULL DEFAULT '';
ALTER TABLE drafts ADD COLUMN subject_issuer text NOT NULL DEFAULT '';
