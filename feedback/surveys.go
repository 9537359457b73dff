package feedback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/keyring"
	"github.com/civickit/civickit/workflow"
)

// DefaultSurveyLinkMaxAge is how long a survey link works by default.
const DefaultSurveyLinkMaxAge = 30 * 24 * time.Hour

// surveyPurpose binds survey tokens to surveys in the key ring: a value
// sealed for anything else never opens as a survey token.
const surveyPurpose = "civickit/feedback/survey"

var (
	// ErrInvalidToken reports a survey link that does not open: tampered
	// with, made with a key the ring no longer holds, or older than
	// SurveysConfig.LinkMaxAge. Nothing was written.
	ErrInvalidToken = errors.New("feedback: survey link is invalid or expired")
	// ErrAlreadyAnswered reports a survey already answered for the case.
	// Errors carrying it also wrap adapters.ErrDuplicate. Nothing was
	// written.
	ErrAlreadyAnswered = errors.New("feedback: survey already answered")
)

// AnswerError reports an answer that breaks the survey's bounds; it wraps
// adapters.ErrInvalidArgument. Nothing was written.
type AnswerError struct {
	// Field is the answer's field at fault: "rating" or "comment".
	Field string
	// Reason says what is wrong, for the resident.
	Reason string
}

// Error names the answer field and the reason it was refused.
func (e *AnswerError) Error() string {
	return "feedback: survey answer: " + e.Field + ": " + e.Reason
}

// Unwrap returns adapters.ErrInvalidArgument.
func (e *AnswerError) Unwrap() error { return adapters.ErrInvalidArgument }

// SurveysConfig configures Surveys.
type SurveysConfig struct {
	// BaseURL is the absolute URL the Handler is served at; links add
	// "?t=<token>" to it. Required.
	BaseURL string
	// LinkMaxAge is how long a link works; 0 means
	// DefaultSurveyLinkMaxAge.
	LinkMaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Channel is the channel hint of survey messages; empty leaves the
	// choice to the resident's preferences.
	Channel string
	// Types are the service types OnClose surveys; empty means every type
	// but IdeaType.
	Types []string
}

// Validate reports every problem of the configuration.
func (c *SurveysConfig) Validate() error {
	var errs []error
	if u, err := url.Parse(c.BaseURL); err != nil || !u.IsAbs() || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("feedback: survey BaseURL %q is not an absolute URL without query or fragment", c.BaseURL))
	}
	if c.LinkMaxAge < 0 {
		errs = append(errs, errors.New("feedback: survey LinkMaxAge is negative"))
	}
	return errors.Join(errs...)
}

// Surveys sends satisfaction surveys when cases close and records the
// answers: one per case, authenticated by a signed link. It is safe for
// concurrent use.
type Surveys struct {
	ring  *keyring.KeyRing
	store adapters.SurveyStore
	cfg   SurveysConfig
}

// NewSurveys returns surveys that sign links with ring and keep answers
// in store.
func NewSurveys(ring *keyring.KeyRing, store adapters.SurveyStore, cfg *SurveysConfig) (*Surveys, error) {
	if ring == nil || store == nil {
		return nil, errors.New("feedback: surveys need a key ring and a store")
	}
	if cfg == nil {
		cfg = &SurveysConfig{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Surveys{ring: ring, store: store, cfg: *cfg}
	if s.cfg.LinkMaxAge == 0 {
		s.cfg.LinkMaxAge = DefaultSurveyLinkMaxAge
	}
	if s.cfg.Now == nil {
		s.cfg.Now = time.Now
	}
	return s, nil
}

// invite is what a survey link carries: the case, its type and its
// submitter, and when the link was made.
type invite struct {
	CaseID   string `json:"c"`
	CaseType string `json:"t"`
	Subject  string `json:"s,omitempty"`
	Issuer   string `json:"i,omitempty"`
	Issued   int64  `json:"at"`
}

// Link returns the signed survey link of a case, for its submitter.
func (s *Surveys) Link(c adapters.Case) (string, error) {
	if c.ID == "" || c.Type == "" {
		return "", fmt.Errorf("feedback: survey link: %w: the case has no id or type", adapters.ErrInvalidArgument)
	}
	b, err := json.Marshal(invite{CaseID: c.ID, CaseType: c.Type, Subject: c.Submitter, Issuer: c.SubmitterIssuer, Issued: s.cfg.Now().Unix()})
	if err != nil {
		return "", fmt.Errorf("feedback: survey link of case %s: %w", c.ID, err)
	}
	return s.cfg.BaseURL + "?t=" + url.QueryEscape(s.ring.Seal(surveyPurpose, b)), nil
}

// open verifies a survey token and its age.
func (s *Surveys) open(token string) (invite, error) {
	var inv invite
	b, err := s.ring.Open(surveyPurpose, token)
	if err != nil || json.Unmarshal(b, &inv) != nil || inv.CaseID == "" || inv.CaseType == "" {
		return invite{}, ErrInvalidToken
	}
	if age := s.cfg.Now().Sub(time.Unix(inv.Issued, 0)); age > s.cfg.LinkMaxAge || age < -time.Minute {
		return invite{}, ErrInvalidToken
	}
	return inv, nil
}

// SurveyMessage is the outbox message that asks the case's submitter for
// their satisfaction: template SurveyTemplate, Data with
// SurveyTemplateFields. Its id and idempotency key are "survey/<case id>",
// so the survey goes out once per case however often it is enqueued. A
// case without a submitter (an anonymous report) has no one to ask:
// adapters.ErrInvalidArgument.
func (s *Surveys) SurveyMessage(c adapters.Case) (adapters.Message, error) {
	if c.Submitter == "" {
		return adapters.Message{}, fmt.Errorf("feedback: survey message of case %s: %w: the case has no submitter", c.ID, adapters.ErrInvalidArgument)
	}
	link, err := s.Link(c)
	if err != nil {
		return adapters.Message{}, err
	}
	data, err := json.Marshal(map[string]string{"caseId": c.ID, "type": c.Type, "link": link})
	if err != nil {
		return adapters.Message{}, fmt.Errorf("feedback: survey message of case %s: %w", c.ID, err)
	}
	id := "survey/" + c.ID
	return adapters.Message{
		ID: id, IdempotencyKey: id, CaseID: c.ID, Channel: s.cfg.Channel, Recipient: c.Submitter,
		Template: SurveyTemplate, Data: data, CreatedAt: s.cfg.Now(),
	}, nil
}

// OnClose is a workflow.EngineConfig.OnClose hook: the survey message of a
// case that closes, written in the same store call as the closing. It
// sends none for anonymous cases, for types SurveysConfig.Types leaves
// out, and for cases the resident closed themselves (a withdrawal).
func (s *Surveys) OnClose(ch *workflow.Change) []adapters.Message {
	c := ch.Case
	if c == nil || c.Submitter == "" || !s.surveyed(c.Type) {
		return nil
	}
	if ch.Actor.Subject == c.Submitter && ch.Actor.Issuer == c.SubmitterIssuer {
		return nil
	}
	m, err := s.SurveyMessage(*c)
	if err != nil {
		return nil
	}
	return []adapters.Message{m}
}

func (s *Surveys) surveyed(caseType string) bool {
	if len(s.cfg.Types) == 0 {
		return caseType != IdeaType
	}
	return slices.Contains(s.cfg.Types, caseType)
}

// Answer is a resident's answer to the survey.
type Answer struct {
	// Rating is the satisfaction, adapters.MinRating to MaxRating.
	Rating int
	// Resolved answers "was your issue resolved?"; nil when not said.
	Resolved *bool
	// Comment is optional, at most adapters.MaxSurveyCommentBytes.
	Comment string
}

// validate returns the answer's first problem as an *AnswerError.
func (a *Answer) validate() error {
	if a.Rating < adapters.MinRating || a.Rating > adapters.MaxRating {
		return &AnswerError{Field: "rating", Reason: fmt.Sprintf("choose a rating from %d to %d", adapters.MinRating, adapters.MaxRating)}
	}
	a.Comment = strings.TrimSpace(a.Comment)
	if len(a.Comment) > adapters.MaxSurveyCommentBytes || !utf8.ValidString(a.Comment) {
		return &AnswerError{Field: "comment", Reason: fmt.Sprintf("the comment is longer than %d characters", adapters.MaxSurveyCommentBytes)}
	}
	return nil
}

// Respond records the answer to the survey the token (a link's "t") was
// made for. A token that does not open or has expired returns
// ErrInvalidToken; an answer out of bounds an *AnswerError; a case already
// answered an error wrapping ErrAlreadyAnswered and adapters.ErrDuplicate.
// In each case nothing is written.
func (s *Surveys) Respond(ctx context.Context, token string, a Answer) error {
	inv, err := s.open(token)
	if err != nil {
		return err
	}
	if err := a.validate(); err != nil {
		return err
	}
	err = s.store.PutSurveyResponse(ctx, adapters.SurveyResponse{
		CaseID: inv.CaseID, CaseType: inv.CaseType, Rating: a.Rating, Resolved: a.Resolved, Comment: a.Comment,
		Respondent: inv.Subject, RespondentIssuer: inv.Issuer, RespondedAt: s.cfg.Now(),
	})
	switch {
	case errors.Is(err, adapters.ErrDuplicate):
		return fmt.Errorf("%w: case %s: %w", ErrAlreadyAnswered, inv.CaseID, err)
	case err != nil:
		return fmt.Errorf("feedback: survey of case %s: %w", inv.CaseID, err)
	}
	return nil
}

// answered reports whether the invite's case has an answer already.
func (s *Surveys) answered(ctx context.Context, inv invite) (bool, error) {
	_, err := s.store.GetSurveyResponse(ctx, inv.CaseID)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, adapters.ErrNotFound):
		return false, nil
	}
	return false, err
}
