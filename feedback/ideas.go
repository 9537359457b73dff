package feedback

import (
	"context"
	_ "embed" // the idea workflow definition
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/workflow"
)

// The idea workflow: its case type, the role its staff triggers need, its
// triggers and the template of the updates its authors receive.
const (
	// IdeaType is the case type of ideas.
	IdeaType = "idea"
	// IdeaStaffRole is the role that moves ideas through their workflow.
	IdeaStaffRole = "idea-staff"
	// IdeaUpdateTemplate is the template of the message an idea's author
	// receives when it enters under-review, accepted, declined or
	// implemented (the workflow's message data: type, state,
	// previousState, trigger).
	IdeaUpdateTemplate = "idea-update"
)

// The idea workflow's triggers, each for IdeaStaffRole.
const (
	// IdeaReview moves a submitted idea under review.
	IdeaReview = "review"
	// IdeaAccept accepts an idea under review.
	IdeaAccept = "accept"
	// IdeaDecline declines a submitted, reviewed or accepted idea.
	IdeaDecline = "decline"
	// IdeaImplement marks an accepted idea implemented.
	IdeaImplement = "implement"
)

//go:embed idea.workflow.json
var ideaDefinition []byte

// IdeaDefinition returns the workflow definition of ideas: submitted →
// under-review → accepted → implemented, or declined from any of the
// first three; every trigger needs IdeaStaffRole. Each call returns a
// fresh copy.
func IdeaDefinition() *workflow.Definition {
	d, err := workflow.ParseDefinition(ideaDefinition)
	if err != nil {
		panic(err) // embedded at build time and tested
	}
	return d
}

// IdeasConfig configures Ideas. A nil *IdeasConfig means every default.
type IdeasConfig struct {
	// Categories and Areas, when not empty, are the only categories and
	// areas an idea may name; otherwise any name of at most 255 bytes.
	Categories, Areas []string
	// Now is the clock of supports; nil means time.Now.
	Now func() time.Time
}

// Ideas lets residents propose ideas and support them, and staff move
// them through their workflow. An idea is a case of type IdeaType on the
// engine; its text and supports are in an adapters.IdeaStore. Comments on
// ideas are threads on adapters.IdeaTopic(id). It is safe for concurrent
// use.
type Ideas struct {
	engine *workflow.Engine
	store  adapters.IdeaStore
	cfg    IdeasConfig
}

// NewIdeas returns ideas over the engine and the store, registering the
// idea workflow (IdeaDefinition) on the engine unless a version of it is
// registered already.
func NewIdeas(engine *workflow.Engine, store adapters.IdeaStore, cfg *IdeasConfig) (*Ideas, error) {
	if engine == nil || store == nil {
		return nil, errors.New("feedback: ideas need an engine and a store")
	}
	if cfg == nil {
		cfg = &IdeasConfig{}
	}
	x := &Ideas{engine: engine, store: store, cfg: *cfg}
	if x.cfg.Now == nil {
		x.cfg.Now = time.Now
	}
	if _, err := engine.Workflow(IdeaType, 0); errors.Is(err, adapters.ErrNotFound) {
		w, err := workflow.Compile(IdeaDefinition(), nil)
		if err != nil {
			return nil, fmt.Errorf("feedback: idea workflow: %w", err)
		}
		if err := engine.Register(w); err != nil && !errors.Is(err, adapters.ErrDuplicate) {
			return nil, fmt.Errorf("feedback: idea workflow: %w", err)
		}
	}
	return x, nil
}

// Proposal is a new idea as its author writes it.
type Proposal struct {
	// Title and Body are required, at most adapters.MaxIdeaTitleBytes and
	// MaxIdeaBodyBytes; surrounding spaces are trimmed.
	Title, Body string
	// Category and Area are optional; see IdeasConfig.
	Category, Area string
	// IdempotencyKey makes a retried Propose return the idea the first
	// call made.
	IdempotencyKey string
}

// Propose records an author's idea: it opens the idea's case (its
// "opened" event, entry notifications) and then stores the idea beside it.
// An anonymous author returns ErrAnonymous; a proposal out of bounds or
// naming an unknown category or area an error wrapping
// adapters.ErrInvalidArgument; in both cases nothing is written.
//
// The two writes are two store calls: should the second fail, the case
// (which carries the title, category and area in its data) exists
// without the idea, and a retry with the same IdempotencyKey completes it.
func (x *Ideas) Propose(ctx context.Context, author workflow.Actor, p Proposal) (adapters.Idea, error) {
	if author.Subject == "" {
		return adapters.Idea{}, fmt.Errorf("feedback: propose idea: %w", ErrAnonymous)
	}
	i := adapters.Idea{
		ID: "pending", Title: strings.TrimSpace(p.Title), Body: strings.TrimSpace(p.Body),
		Category: strings.TrimSpace(p.Category), Area: strings.TrimSpace(p.Area),
		Author: author.Subject, AuthorIssuer: author.Issuer, CreatedAt: x.cfg.Now(),
	}
	err := i.Validate()
	if err == nil && i.Category != "" && len(x.cfg.Categories) > 0 && !slices.Contains(x.cfg.Categories, i.Category) {
		err = fmt.Errorf("%w: category %q is not one of the city's", adapters.ErrInvalidArgument, i.Category)
	}
	if err == nil && i.Area != "" && len(x.cfg.Areas) > 0 && !slices.Contains(x.cfg.Areas, i.Area) {
		err = fmt.Errorf("%w: area %q is not one of the city's", adapters.ErrInvalidArgument, i.Area)
	}
	if err != nil {
		return adapters.Idea{}, fmt.Errorf("feedback: propose idea: %w", err)
	}
	data, err := json.Marshal(map[string]string{"title": i.Title, "category": i.Category, "area": i.Area})
	if err != nil {
		return adapters.Idea{}, fmt.Errorf("feedback: propose idea: %w", err)
	}
	c, err := x.engine.Open(ctx, workflow.OpenParams{Type: IdeaType, Actor: author, Data: data, IdempotencyKey: p.IdempotencyKey})
	if err != nil {
		return adapters.Idea{}, fmt.Errorf("feedback: propose idea: %w", err)
	}
	i.ID, i.CreatedAt = c.ID, c.CreatedAt
	err = x.store.PutIdea(ctx, i)
	if errors.Is(err, adapters.ErrDuplicate) && p.IdempotencyKey != "" {
		// A retry: the idea is stored already, and is this one when it
		// reads the same.
		have, gerr := x.store.GetIdea(ctx, c.ID)
		if gerr == nil && have.Title == i.Title && have.Body == i.Body && have.Category == i.Category && have.Area == i.Area && have.Author == i.Author {
			return have, nil
		}
	}
	if err != nil {
		return adapters.Idea{}, fmt.Errorf("feedback: propose idea: %w", err)
	}
	i.State = c.State
	return i, nil
}

// Get returns the idea, or an error wrapping adapters.ErrNotFound.
func (x *Ideas) Get(ctx context.Context, id string) (adapters.Idea, error) {
	i, err := x.store.GetIdea(ctx, id)
	if err != nil {
		return adapters.Idea{}, fmt.Errorf("feedback: idea %s: %w", id, err)
	}
	return i, nil
}

// List returns one page of ideas (see adapters.IdeaStore.ListIdeas).
func (x *Ideas) List(ctx context.Context, q adapters.IdeaQuery) (adapters.IdeaPage, error) {
	p, err := x.store.ListIdeas(ctx, q)
	if err != nil {
		return adapters.IdeaPage{}, fmt.Errorf("feedback: list ideas: %w", err)
	}
	return p, nil
}

// Support records who's support of the idea. An anonymous principal
// returns ErrAnonymous; a second support by the same principal an error
// wrapping adapters.ErrDuplicate; an unknown idea adapters.ErrNotFound;
// in each case nothing is written.
func (x *Ideas) Support(ctx context.Context, who workflow.Actor, ideaID string) error {
	if who.Subject == "" {
		return fmt.Errorf("feedback: support idea %s: %w", ideaID, ErrAnonymous)
	}
	err := x.store.Support(ctx, adapters.IdeaSupport{IdeaID: ideaID, Supporter: who.Subject, SupporterIssuer: who.Issuer, At: x.cfg.Now()})
	if err != nil {
		return fmt.Errorf("feedback: support idea %s: %w", ideaID, err)
	}
	return nil
}

// Withdraw withdraws who's support of the idea. An anonymous principal
// returns ErrAnonymous; a principal not supporting it an error wrapping
// adapters.ErrNotFound.
func (x *Ideas) Withdraw(ctx context.Context, who workflow.Actor, ideaID string) error {
	if who.Subject == "" {
		return fmt.Errorf("feedback: withdraw support of idea %s: %w", ideaID, ErrAnonymous)
	}
	if err := x.store.Withdraw(ctx, ideaID, who.Subject, who.Issuer); err != nil {
		return fmt.Errorf("feedback: withdraw support of idea %s: %w", ideaID, err)
	}
	return nil
}

// HasSupported reports whether who supports the idea; an anonymous
// principal supports nothing.
func (x *Ideas) HasSupported(ctx context.Context, who workflow.Actor, ideaID string) (bool, error) {
	if who.Subject == "" {
		return false, nil
	}
	ok, err := x.store.HasSupported(ctx, ideaID, who.Subject, who.Issuer)
	if err != nil {
		return false, fmt.Errorf("feedback: has supported idea %s: %w", ideaID, err)
	}
	return ok, nil
}

// StaffAction is a staff member's move of an idea through its workflow.
type StaffAction struct {
	// IdeaID is the idea; Trigger one of IdeaReview, IdeaAccept,
	// IdeaDecline, IdeaImplement.
	IdeaID, Trigger string
	// Staff is who acts; the workflow wants IdeaStaffRole.
	Staff workflow.Actor
	// Comment is kept on the case's event, e.g. why an idea was declined.
	Comment string
	// ExpectedVersion and IdempotencyKey are workflow.FireParams'.
	ExpectedVersion int64
	IdempotencyKey  string
}

// Fire moves an idea through its workflow with the engine and returns the
// idea after the move. An unknown idea returns an error wrapping
// adapters.ErrNotFound; a refused move a *workflow.DeniedError; see
// workflow.Engine.Fire for the rest.
func (x *Ideas) Fire(ctx context.Context, a StaffAction) (adapters.Idea, error) {
	// The idea is read first so that a trigger never reaches a case of
	// another type that happens to have the same one.
	if _, err := x.store.GetIdea(ctx, a.IdeaID); err != nil {
		return adapters.Idea{}, fmt.Errorf("feedback: %s idea %s: %w", a.Trigger, a.IdeaID, err)
	}
	r, err := x.engine.Fire(ctx, workflow.FireParams{
		CaseID: a.IdeaID, Trigger: a.Trigger, Actor: a.Staff, Comment: a.Comment,
		ExpectedVersion: a.ExpectedVersion, IdempotencyKey: a.IdempotencyKey,
	})
	if err != nil {
		return adapters.Idea{}, fmt.Errorf("feedback: %s idea %s: %w", a.Trigger, a.IdeaID, err)
	}
	i, err := x.store.GetIdea(ctx, a.IdeaID)
	if err != nil {
		return adapters.Idea{}, fmt.Errorf("feedback: %s idea %s: %w", a.Trigger, a.IdeaID, err)
	}
	i.State = r.Case.State
	return i, nil
}

// Review moves a submitted idea under review (IdeaReview).
func (x *Ideas) Review(ctx context.Context, staff workflow.Actor, ideaID, comment string) (adapters.Idea, error) {
	return x.Fire(ctx, StaffAction{IdeaID: ideaID, Trigger: IdeaReview, Staff: staff, Comment: comment})
}

// Accept accepts an idea under review (IdeaAccept).
func (x *Ideas) Accept(ctx context.Context, staff workflow.Actor, ideaID, comment string) (adapters.Idea, error) {
	return x.Fire(ctx, StaffAction{IdeaID: ideaID, Trigger: IdeaAccept, Staff: staff, Comment: comment})
}

// Decline declines an idea (IdeaDecline); the comment says why.
func (x *Ideas) Decline(ctx context.Context, staff workflow.Actor, ideaID, comment string) (adapters.Idea, error) {
	return x.Fire(ctx, StaffAction{IdeaID: ideaID, Trigger: IdeaDecline, Staff: staff, Comment: comment})
}

// Implement marks an accepted idea implemented (IdeaImplement).
func (x *Ideas) Implement(ctx context.Context, staff workflow.Actor, ideaID, comment string) (adapters.Idea, error) {
	return x.Fire(ctx, StaffAction{IdeaID: ideaID, Trigger: IdeaImplement, Staff: staff, Comment: comment})
}
