-- Satisfaction survey responses (one per case) and residents' ideas with
-- their supports (one per principal). An idea is a case of its own
-- workflow: ideas.id is its case's id, and its state is the case's.
-- Times are INTEGER microseconds since the Unix epoch in UTC.
CREATE TABLE survey_responses (
	case_id           TEXT PRIMARY KEY,
	case_type         TEXT NOT NULL,
	rating            INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
	-- resolved is 1 (yes), 0 (no) or NULL (not said).
	resolved          INTEGER,
	comment           TEXT NOT NULL,
	respondent        TEXT NOT NULL,
	respondent_issuer TEXT NOT NULL,
	responded_at      INTEGER NOT NULL
);

-- SurveyStats by type and period.
CREATE INDEX survey_responses_type_at ON survey_responses (case_type, responded_at);
CREATE INDEX survey_responses_at ON survey_responses (responded_at);

CREATE TABLE ideas (
	id            TEXT PRIMARY KEY REFERENCES cases (id),
	title         TEXT NOT NULL,
	body          TEXT NOT NULL,
	category      TEXT NOT NULL,
	area          TEXT NOT NULL,
	author        TEXT NOT NULL,
	author_issuer TEXT NOT NULL,
	supports      INTEGER NOT NULL CHECK (supports >= 0),
	created_at    INTEGER NOT NULL
);

-- ListIdeas by supports and by newest, unfiltered and per category and area.
CREATE INDEX ideas_supports ON ideas (supports DESC, id);
CREATE INDEX ideas_category_supports ON ideas (category, supports DESC, id);
CREATE INDEX ideas_area_supports ON ideas (area, supports DESC, id);
CREATE INDEX ideas_created ON ideas (created_at DESC, id DESC);
CREATE INDEX ideas_category_created ON ideas (category, created_at DESC, id DESC);
CREATE INDEX ideas_area_created ON ideas (area, created_at DESC, id DESC);

CREATE TABLE idea_supports (
	idea_id          TEXT NOT NULL REFERENCES ideas (id),
	supporter        TEXT NOT NULL,
	supporter_issuer TEXT NOT NULL,
	at               INTEGER NOT NULL,
	PRIMARY KEY (idea_id, supporter, supporter_issuer)
);
