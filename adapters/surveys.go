package adapters

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"
)

// The bounds of a survey response.
const (
	// MinRating and MaxRating bound SurveyResponse.Rating.
	MinRating = 1
	MaxRating = 5
	// MaxSurveyCommentBytes bounds SurveyResponse.Comment.
	MaxSurveyCommentBytes = 2000
	// maxNameBytes bounds ids, types, subjects, categories and areas.
	maxNameBytes = 255
)

// SurveyResponse is a resident's answer to the satisfaction survey sent
// when their case closed. A case has at most one.
type SurveyResponse struct {
	// CaseID is the case the survey was about; it identifies the response.
	CaseID string
	// CaseType is the case's service type, which stats group by.
	CaseType string
	// Rating is the satisfaction, MinRating (worst) to MaxRating (best).
	Rating int
	// Resolved answers "was your issue resolved?": nil when the resident
	// did not say.
	Resolved *bool
	// Comment is optional free text, at most MaxSurveyCommentBytes of
	// UTF-8.
	Comment string
	// Respondent and RespondentIssuer are the identity of who answered
	// (the case's submitter the survey link was made for); empty for an
	// anonymous case.
	Respondent, RespondentIssuer string
	// RespondedAt is when the answer was recorded.
	RespondedAt time.Time
}

// Validate reports every way r breaks the PutSurveyResponse contract,
// each error wrapping ErrInvalidArgument.
func (r SurveyResponse) Validate() error {
	var errs []error
	errs = appendErr(errs, validName("case id", r.CaseID, true))
	errs = appendErr(errs, validName("case type", r.CaseType, true))
	errs = appendErr(errs, validName("respondent", r.Respondent, false))
	errs = appendErr(errs, validName("respondent issuer", r.RespondentIssuer, false))
	if r.Rating < MinRating || r.Rating > MaxRating {
		errs = append(errs, invalid("rating %d is outside %d..%d", r.Rating, MinRating, MaxRating))
	}
	if len(r.Comment) > MaxSurveyCommentBytes || !utf8.ValidString(r.Comment) {
		errs = append(errs, invalid("comment is not UTF-8 of at most %d bytes", MaxSurveyCommentBytes))
	}
	if r.RespondedAt.IsZero() {
		errs = append(errs, invalid("response time is zero"))
	}
	return errors.Join(errs...)
}

// validName checks an id or name: at most maxNameBytes of UTF-8, not
// empty when required.
func validName(what, s string, required bool) error {
	switch {
	case required && s == "":
		return invalid("%s is empty", what)
	case len(s) > maxNameBytes || !utf8.ValidString(s):
		return invalid("%s is not UTF-8 of at most %d bytes", what, maxNameBytes)
	}
	return nil
}

// SurveyQuery selects the responses SurveyStats counts. Zero fields do not
// filter.
type SurveyQuery struct {
	// Type restricts to one service type.
	Type string
	// From and To restrict to responses recorded in [From, To). A caller
	// wanting monthly figures asks once per month.
	From, To time.Time
}

// SurveyTally sums the survey responses of one service type.
type SurveyTally struct {
	// Type is the service type.
	Type string
	// Count is the number of responses; Sum the sum of their ratings.
	Count, Sum int64
	// Ratings counts the responses per rating: Ratings[0] those rating
	// MinRating, Ratings[4] those rating MaxRating.
	Ratings [MaxRating]int64
	// Resolved and Unresolved count the answers yes and no to "was your
	// issue resolved?"; responses that did not say are in neither.
	Resolved, Unresolved int64
}

// Mean is the average rating, zero without responses.
func (t SurveyTally) Mean() float64 {
	if t.Count == 0 {
		return 0
	}
	return float64(t.Sum) / float64(t.Count)
}

// SurveyStore keeps satisfaction survey responses. It is safe for
// concurrent use; every method is one transaction.
type SurveyStore interface {
	// PutSurveyResponse records a response (see SurveyResponse.Validate:
	// a broken one is ErrInvalidArgument). A second response for the same
	// case is ErrDuplicate, whoever sends it, and changes nothing: of any
	// number of concurrent responses to one case exactly one is stored.
	PutSurveyResponse(ctx context.Context, r SurveyResponse) error

	// GetSurveyResponse returns the response to a case's survey, or
	// ErrNotFound.
	GetSurveyResponse(ctx context.Context, caseID string) (SurveyResponse, error)

	// SurveyStats tallies the responses matching q per service type,
	// ordered by type; types without a response are absent. It is computed
	// inside the store (SQL aggregates), not by loading every response.
	SurveyStats(ctx context.Context, q SurveyQuery) ([]SurveyTally, error)
}
