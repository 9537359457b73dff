-- civickit store, version 10: satisfaction survey responses (one per
-- case) and residents' ideas with their supports (one per principal). An
-- idea is a case of its own workflow: ideas.id is its case's id and its
-- state is the case's.

CREATE TABLE survey_responses (
	case_id           text COLLATE "C" PRIMARY KEY,
	case_type         text NOT NULL,
	rating            integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
	-- resolved is NULL when the resident did not say.
	resolved          boolean,
	comment           text NOT NULL,
	respondent        text NOT NULL,
	respondent_issuer text NOT NULL,
	responded_at      timestamptz NOT NULL
);
-- SurveyStats by type and period, and over every type per period.
CREATE INDEX survey_responses_type_at_idx ON survey_responses (case_type, responded_at);
CREATE INDEX survey_responses_at_idx ON survey_responses (responded_at);

CREATE TABLE ideas (
	id            text COLLATE "C" PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
	title         text NOT NULL,
	body          text NOT NULL,
	category      text NOT NULL,
	area          text NOT NULL,
	author        text NOT NULL,
	author_issuer text NOT NULL,
	supports      bigint NOT NULL CHECK (supports >= 0),
	created_at    timestamptz NOT NULL
);
-- ListIdeas by supports and by newest, unfiltered and per category and
-- area; a state filter follows the same index and reads each idea's case
-- by its key.
CREATE INDEX ideas_supports_idx ON ideas (supports DESC, id);
CREATE INDEX ideas_category_supports_idx ON ideas (category, supports DESC, id);
CREATE INDEX ideas_area_supports_idx ON ideas (area, supports DESC, id);
CREATE INDEX ideas_created_idx ON ideas (created_at DESC, id DESC);
CREATE INDEX ideas_category_created_idx ON ideas (category, created_at DESC, id DESC);
CREATE INDEX ideas_area_created_idx ON ideas (area, created_at DESC, id DESC);

CREATE TABLE idea_supports (
	idea_id          text COLLATE "C" NOT NULL REFERENCES ideas (id) ON DELETE CASCADE,
	supporter        text NOT NULL,
	supporter_issuer text NOT NULL,
	at               timestamptz NOT NULL,
	PRIMARY KEY (idea_id, supporter, supporter_issuer)
);
