package feedback

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
)

// The errors of the Comments service. Test for them with errors.Is; the
// typed errors below carry details and match these too. Errors from the
// store pass through wrapped: adapters.ErrNotFound, adapters.ErrConflict
// (a stale version, a deleted comment), adapters.ErrDuplicate (a second
// flag by one person).
var (
	// ErrAnonymous reports a write without an author: the caller has no
	// signed-in principal or inbound identity (commenting, proposing or
	// supporting an idea).
	ErrAnonymous = errors.New("feedback: anonymous author")
	// ErrForbidden reports an author who may not do this: edit another
	// resident's comment, write an internal one, moderate without being
	// a moderator.
	ErrForbidden = errors.New("feedback: forbidden")
	// ErrRateLimited reports an author past the rate limit; see
	// *RateLimitError.
	ErrRateLimited = errors.New("feedback: too many comments")
	// ErrRejected reports a comment the content check rejected; it also
	// matches adapters.ErrInvalidArgument.
	ErrRejected = errors.New("feedback: comment rejected")
	// ErrTooLong and ErrEmpty report a text over its limit or blank; see
	// *InputError. Both also match adapters.ErrInvalidArgument.
	ErrTooLong = errors.New("feedback: text too long")
	ErrEmpty   = errors.New("feedback: text empty")
)

// InputError reports a text the service refuses before anything is
// written. It matches its Problem (ErrTooLong or ErrEmpty) and
// adapters.ErrInvalidArgument.
type InputError struct {
	// Field names the text: "body", "reason" or "name".
	Field string
	// Problem is ErrTooLong or ErrEmpty.
	Problem error
	// Limit and Got are the most runes allowed and the runes sent, for
	// ErrTooLong.
	Limit, Got int
}

// Error names the field and what is wrong with it.
func (e *InputError) Error() string {
	if errors.Is(e.Problem, ErrTooLong) {
		return fmt.Sprintf("feedback: comment %s is %d characters, above %d", e.Field, e.Got, e.Limit)
	}
	return fmt.Sprintf("feedback: comment %s is empty", e.Field)
}

// Unwrap returns the problem and adapters.ErrInvalidArgument.
func (e *InputError) Unwrap() []error { return []error{e.Problem, adapters.ErrInvalidArgument} }

// RateLimitError reports an author who wrote Limit comments in the last
// Window. It matches ErrRateLimited.
type RateLimitError struct {
	Limit  int
	Window time.Duration
}

// Error states the limit the author reached.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("feedback: at most %d comments per %s", e.Limit, e.Window)
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// checkText refuses a text that is not UTF-8, blank (when required) or
// longer than max runes.
func checkText(field, s string, max int, required bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("feedback: comment %s is not valid UTF-8: %w", field, adapters.ErrInvalidArgument)
	}
	if required && strings.TrimSpace(s) == "" {
		return &InputError{Field: field, Problem: ErrEmpty}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return &InputError{Field: field, Problem: ErrTooLong, Limit: max, Got: n}
	}
	return nil
}

// Author is who writes or acts on a comment, as the caller's own
// principal (or an inbound channel's identity) names them: feedback
// knows nothing of identity providers.
type Author struct {
	// Subject and Issuer identify the person: an identity subject and its
	// issuer, or for someone known only by an address, the channel and
	// address ("sms:+15551234567") and no issuer. An empty Subject is
	// anonymous.
	Subject, Issuer string
	// Name is shown with the comment.
	Name string
	// Staff marks city staff: they write internal comments, read the
	// staff view, and edit or delete any comment.
	Staff bool
	// Moderator marks those who may hide and restore comments and read
	// the moderators' queue.
	Moderator bool
}

func (a Author) anonymous() bool { return a.Subject == "" }

// wrote reports whether a is the comment's author.
func (a Author) wrote(c adapters.Comment) bool {
	return !a.anonymous() && c.Author == a.Subject && c.AuthorIssuer == a.Issuer
}

// RateLimit bounds how many comments one author adds in a window. The
// count is kept in the store, so it holds across processes sharing one.
type RateLimit struct {
	// Comments is how many comments an author may add per Window; zero
	// means no limit.
	Comments int
	// Window is the sliding window the comments are counted over.
	Window time.Duration
}

// CommentsConfig tunes a Comments service. A nil *CommentsConfig, and
// zero fields, mean the documented defaults.
type CommentsConfig struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// IDs makes comment ids (default "cm_" and 26 random characters).
	IDs func() string
	// MaxRunes is the longest body in runes: 1..adapters.MaxCommentRunes
	// (default adapters.MaxCommentRunes).
	MaxRunes int
	// RateLimit bounds the comments of each author who is not staff
	// (default none).
	RateLimit RateLimit
	// ContentCheck judges new bodies and edits (default: allow all).
	ContentCheck ContentCheck
}

// Validate reports every problem of c, each wrapping
// adapters.ErrInvalidArgument.
func (c *CommentsConfig) Validate() error {
	if c == nil {
		return nil
	}
	var errs []error
	if c.MaxRunes < 0 || c.MaxRunes > adapters.MaxCommentRunes {
		errs = append(errs, fmt.Errorf("%w: MaxRunes %d is outside 1..%d", adapters.ErrInvalidArgument, c.MaxRunes, adapters.MaxCommentRunes))
	}
	if c.RateLimit.Comments < 0 {
		errs = append(errs, fmt.Errorf("%w: RateLimit.Comments %d is negative", adapters.ErrInvalidArgument, c.RateLimit.Comments))
	}
	if c.RateLimit.Comments > 0 && c.RateLimit.Window <= 0 {
		errs = append(errs, fmt.Errorf("%w: RateLimit.Window must be positive with a limit", adapters.ErrInvalidArgument))
	}
	return errors.Join(errs...)
}

// Comments is the comment service over a CommentStore: it checks who may
// do what, bounds the input, applies the rate limit and the content
// check, and stamps ids and times. It is safe for concurrent use.
type Comments struct {
	store adapters.CommentStore
	cfg   CommentsConfig
}

// NewComments returns a Comments service over store.
func NewComments(store adapters.CommentStore, cfg *CommentsConfig) (*Comments, error) {
	if store == nil {
		return nil, fmt.Errorf("feedback: new comments: %w: nil store", adapters.ErrInvalidArgument)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("feedback: new comments: %w", err)
	}
	var c CommentsConfig
	if cfg != nil {
		c = *cfg
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.IDs == nil {
		c.IDs = func() string { return "cm_" + rand.Text() }
	}
	if c.MaxRunes == 0 {
		c.MaxRunes = adapters.MaxCommentRunes
	}
	if c.ContentCheck == nil {
		c.ContentCheck = ContentCheckFunc(func(context.Context, string) (Verdict, error) { return Allow, nil })
	}
	return &Comments{store: store, cfg: c}, nil
}

// NewComment is what Add writes.
type NewComment struct {
	// Thread is what the comment is on (adapters.CaseTopic, IdeaTopic,
	// AgendaTopic...).
	Thread adapters.Topic
	// Body is the text.
	Body string
	// Internal makes a staff-only comment; only staff may set it.
	Internal bool
	// Via is the channel it came through (default "web").
	Via string
	// ProviderID is the channel's id of an inbound reply: the same reply
	// delivered twice is added once.
	ProviderID string
}

// Add writes a new comment by the author and returns it as stored. The
// content check may hold it (stored hidden, reason HeldReason, waiting in
// the moderators' queue) or reject it (ErrRejected). A redelivered reply
// (same Via and ProviderID) returns the first comment.
//
// Errors: ErrAnonymous; ErrForbidden for an internal comment by a
// resident; *InputError for a blank or long body or name;
// *RateLimitError; ErrRejected; adapters.ErrInvalidArgument for a bad
// thread.
func (s *Comments) Add(ctx context.Context, by Author, n NewComment) (adapters.Comment, error) {
	c, err := s.add(ctx, by, n)
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("feedback: add comment on %q: %w", n.Thread, err)
	}
	return c, nil
}

func (s *Comments) add(ctx context.Context, by Author, n NewComment) (adapters.Comment, error) {
	if by.anonymous() {
		return adapters.Comment{}, ErrAnonymous
	}
	if n.Internal && !by.Staff {
		return adapters.Comment{}, fmt.Errorf("%w: only staff write internal comments", ErrForbidden)
	}
	if !n.Thread.Valid() {
		return adapters.Comment{}, fmt.Errorf("%w: thread %q is not a valid topic", adapters.ErrInvalidArgument, n.Thread)
	}
	if err := errors.Join(checkText("body", n.Body, s.cfg.MaxRunes, true),
		checkText("name", by.Name, adapters.MaxAuthorNameRunes, false)); err != nil {
		return adapters.Comment{}, err
	}
	now := s.cfg.Now()
	if lim := s.cfg.RateLimit; lim.Comments > 0 && !by.Staff {
		count, err := s.store.CountCommentsBy(ctx, adapters.CommentCount{Author: by.Subject, AuthorIssuer: by.Issuer, Since: now.Add(-lim.Window)})
		if err != nil {
			return adapters.Comment{}, err
		}
		if count >= int64(lim.Comments) {
			return adapters.Comment{}, &RateLimitError{Limit: lim.Comments, Window: lim.Window}
		}
	}
	verdict, err := s.cfg.ContentCheck.Check(ctx, n.Body)
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("content check: %w", err)
	}
	c := adapters.Comment{
		ID: s.cfg.IDs(), Thread: n.Thread, Visibility: adapters.VisibilityPublic,
		Author: by.Subject, AuthorIssuer: by.Issuer, AuthorName: by.Name,
		Via: n.Via, ProviderID: n.ProviderID, Body: n.Body, CreatedAt: now,
	}
	if c.Via == "" {
		c.Via = "web"
	}
	if n.Internal {
		c.Visibility = adapters.VisibilityInternal
	}
	switch verdict {
	case Allow:
	case Hold:
		c.HiddenAt, c.HiddenBy, c.HiddenReason = now, ContentCheckActor, HeldReason
	default:
		return adapters.Comment{}, &RejectedError{}
	}
	return s.store.AddComment(ctx, c)
}

// Edit replaces the body of a comment its author (or staff) may change,
// if the comment is still at version (else adapters.ErrConflict). The
// replaced body is kept (see Revisions). The content check runs on the
// new body; an edit it would hold is refused like one it rejects, since
// an edit cannot wait for review while the comment stays visible.
//
// Errors: ErrAnonymous; ErrForbidden for another's comment;
// *InputError; ErrRejected; adapters.ErrConflict for a stale version or
// a deleted comment; adapters.ErrNotFound.
func (s *Comments) Edit(ctx context.Context, by Author, id string, version int64, body string) (adapters.Comment, error) {
	c, err := s.edit(ctx, by, id, version, body)
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("feedback: edit comment %q: %w", id, err)
	}
	return c, nil
}

func (s *Comments) edit(ctx context.Context, by Author, id string, version int64, body string) (adapters.Comment, error) {
	if err := checkText("body", body, s.cfg.MaxRunes, true); err != nil {
		return adapters.Comment{}, err
	}
	if _, err := s.owned(ctx, by, id); err != nil {
		return adapters.Comment{}, err
	}
	verdict, err := s.cfg.ContentCheck.Check(ctx, body)
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("content check: %w", err)
	}
	if verdict != Allow {
		return adapters.Comment{}, &RejectedError{Held: verdict == Hold}
	}
	return s.store.EditComment(ctx, adapters.EditParams{
		ID: id, ExpectedVersion: version, Body: body, Editor: by.Subject, EditorIssuer: by.Issuer, At: s.cfg.Now(),
	})
}

// owned reads a comment the author may change: their own, or any for
// staff. A resident asking about an internal comment learns nothing of it
// (adapters.ErrNotFound).
func (s *Comments) owned(ctx context.Context, by Author, id string) (adapters.Comment, error) {
	if by.anonymous() {
		return adapters.Comment{}, ErrAnonymous
	}
	c, err := s.store.GetComment(ctx, id)
	if err != nil {
		return adapters.Comment{}, err
	}
	if !by.Staff && c.Visibility != adapters.VisibilityPublic {
		return adapters.Comment{}, fmt.Errorf("comment %q: %w", id, adapters.ErrNotFound)
	}
	if !by.Staff && !by.wrote(c) {
		return adapters.Comment{}, fmt.Errorf("%w: only its author or staff may change a comment", ErrForbidden)
	}
	return c, nil
}

// Delete soft-deletes a comment its author (or staff) may change, with
// the reason kept in the audit trail. Errors as Edit, and *InputError for
// a blank or long reason.
func (s *Comments) Delete(ctx context.Context, by Author, id, reason string) (adapters.Comment, error) {
	c, err := s.delete(ctx, by, id, reason)
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("feedback: delete comment %q: %w", id, err)
	}
	return c, nil
}

func (s *Comments) delete(ctx context.Context, by Author, id, reason string) (adapters.Comment, error) {
	if err := checkText("reason", reason, adapters.MaxReasonRunes, true); err != nil {
		return adapters.Comment{}, err
	}
	c, err := s.owned(ctx, by, id)
	if err != nil {
		return adapters.Comment{}, err
	}
	return s.store.DeleteComment(ctx, adapters.DeleteParams{
		ID: id, ExpectedVersion: c.Version, Actor: by.Subject, ActorIssuer: by.Issuer, Reason: reason, At: s.cfg.Now(),
	})
}

// ListQuery selects a page of a thread's comments.
type ListQuery struct {
	// Thread is the thread.
	Thread adapters.Topic
	// Staff asks for the staff view: internal and hidden comments too.
	// The caller sets it only for staff.
	Staff bool
	// Deleted adds deleted comments to the staff view.
	Deleted bool
	// Limit and Cursor page as adapters.CommentQuery does.
	Limit  int
	Cursor string
}

// List returns a page of a thread's comments, oldest first: what
// residents may read (public, shown, not deleted), or with q.Staff the
// staff view.
func (s *Comments) List(ctx context.Context, q ListQuery) (adapters.CommentPage, error) {
	page, err := s.store.ListComments(ctx, adapters.CommentQuery{
		Thread: q.Thread, IncludeInternal: q.Staff, IncludeHidden: q.Staff, IncludeDeleted: q.Staff && q.Deleted,
		Limit: q.Limit, Cursor: q.Cursor,
	})
	if err != nil {
		return adapters.CommentPage{}, fmt.Errorf("feedback: list comments on %q: %w", q.Thread, err)
	}
	return page, nil
}

// Revisions returns the bodies a comment's edits replaced, for its author
// or staff. Errors as Edit.
func (s *Comments) Revisions(ctx context.Context, by Author, id string) ([]adapters.CommentRevision, error) {
	revs, err := s.revisions(ctx, by, id)
	if err != nil {
		return nil, fmt.Errorf("feedback: revisions of comment %q: %w", id, err)
	}
	return revs, nil
}

func (s *Comments) revisions(ctx context.Context, by Author, id string) ([]adapters.CommentRevision, error) {
	if _, err := s.owned(ctx, by, id); err != nil {
		return nil, err
	}
	return s.store.ListRevisions(ctx, id)
}
