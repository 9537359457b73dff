package feedback

import (
	"context"
	"fmt"

	"github.com/civickit/civickit/adapters"
)

// Verdict is a content check's judgement of a text.
type Verdict int

// The verdicts of a content check.
const (
	// Allow publishes the comment.
	Allow Verdict = iota
	// Hold stores the comment hidden, with HeldReason, in the moderators'
	// queue until a moderator restores or keeps it hidden.
	Hold
	// Reject refuses the comment: nothing is stored.
	Reject
)

// String names the verdict.
func (v Verdict) String() string {
	switch v {
	case Allow:
		return "allow"
	case Hold:
		return "hold"
	case Reject:
		return "reject"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// What a held comment records as who hid it and why.
const (
	// ContentCheckActor is the HiddenBy of a comment the content check
	// held.
	ContentCheckActor = "content-check"
	// HeldReason is the HiddenReason of a comment the content check held.
	HeldReason = "held for review"
)

// ContentCheck judges a comment's text before it is stored: a word list,
// a spam filter, a hosted moderation service. It must be safe for
// concurrent use. An error fails the write (nothing is stored); a verdict
// other than Allow or Hold counts as Reject.
type ContentCheck interface {
	Check(ctx context.Context, text string) (Verdict, error)
}

// ContentCheckFunc is a function used as a ContentCheck.
type ContentCheckFunc func(ctx context.Context, text string) (Verdict, error)

// Check calls f.
func (f ContentCheckFunc) Check(ctx context.Context, text string) (Verdict, error) {
	return f(ctx, text)
}

// RejectedError reports a text the content check refused. It matches
// ErrRejected and adapters.ErrInvalidArgument.
type RejectedError struct {
	// Held is set for an edit the check would have held: edits are never
	// held, so it is refused.
	Held bool
}

// Error says whether the text was rejected or an edit held for review.
func (e *RejectedError) Error() string {
	if e.Held {
		return "feedback: the edit needs review and was not saved"
	}
	return "feedback: comment rejected by the content check"
}

// Unwrap returns ErrRejected and adapters.ErrInvalidArgument.
func (e *RejectedError) Unwrap() []error { return []error{ErrRejected, adapters.ErrInvalidArgument} }

// Flag records that the author finds a comment objectionable, and
// returns the comment's flag count. The comment joins the moderators'
// queue. A resident may flag only what residents read; each person flags
// a comment once.
//
// Errors: ErrAnonymous; *InputError for a blank or long reason;
// adapters.ErrDuplicate for a second flag; adapters.ErrNotFound for a
// comment the author cannot read; adapters.ErrConflict for a deleted one.
func (s *Comments) Flag(ctx context.Context, by Author, id, reason string) (int, error) {
	n, err := s.flag(ctx, by, id, reason)
	if err != nil {
		return 0, fmt.Errorf("feedback: flag comment %q: %w", id, err)
	}
	return n, nil
}

func (s *Comments) flag(ctx context.Context, by Author, id, reason string) (int, error) {
	if by.anonymous() {
		return 0, ErrAnonymous
	}
	if err := checkText("reason", reason, adapters.MaxReasonRunes, true); err != nil {
		return 0, err
	}
	if !by.Staff {
		c, err := s.store.GetComment(ctx, id)
		if err != nil {
			return 0, err
		}
		if c.Visibility != adapters.VisibilityPublic || c.Hidden() {
			return 0, fmt.Errorf("comment %q: %w", id, adapters.ErrNotFound)
		}
	}
	return s.store.FlagComment(ctx, adapters.FlagParams{
		ID: id, Flagger: by.Subject, FlaggerIssuer: by.Issuer, Reason: reason, At: s.cfg.Now(),
	})
}

// Hide hides a comment from residents, with the moderator's reason kept
// in the audit trail, and takes it out of the moderators' queue.
//
// Errors: ErrForbidden unless by.Moderator; *InputError for a blank or
// long reason; adapters.ErrNotFound; adapters.ErrConflict for a deleted
// comment.
func (s *Comments) Hide(ctx context.Context, by Author, id, reason string) (adapters.Comment, error) {
	return s.setHidden(ctx, by, id, reason, true)
}

// Restore shows a hidden comment again (or, for a shown one, dismisses
// its flags), with the moderator's reason kept in the audit trail, and
// takes it out of the moderators' queue. Errors as Hide.
func (s *Comments) Restore(ctx context.Context, by Author, id, reason string) (adapters.Comment, error) {
	return s.setHidden(ctx, by, id, reason, false)
}

func (s *Comments) setHidden(ctx context.Context, by Author, id, reason string, hidden bool) (adapters.Comment, error) {
	p := adapters.HideParams{ID: id, Hidden: hidden, Actor: by.Subject, ActorIssuer: by.Issuer, Reason: reason, At: s.cfg.Now()}
	err := moderator(by)
	if err == nil {
		err = checkText("reason", reason, adapters.MaxReasonRunes, true)
	}
	var c adapters.Comment
	if err == nil {
		c, err = s.store.SetCommentHidden(ctx, p)
	}
	if err != nil {
		return adapters.Comment{}, fmt.Errorf("feedback: %s comment %q: %w", p.Kind(), id, err)
	}
	return c, nil
}

func moderator(by Author) error {
	switch {
	case by.anonymous():
		return ErrAnonymous
	case !by.Moderator:
		return fmt.Errorf("%w: only moderators do this", ErrForbidden)
	}
	return nil
}

// Queue returns a page of the moderators' queue: comments flagged or held
// since a moderator last decided on them, longest waiting first. Only
// moderators read it (else ErrForbidden).
func (s *Comments) Queue(ctx context.Context, by Author, q adapters.FlaggedQuery) (adapters.CommentPage, error) {
	err := moderator(by)
	var page adapters.CommentPage
	if err == nil {
		page, err = s.store.ListFlagged(ctx, q)
	}
	if err != nil {
		return adapters.CommentPage{}, fmt.Errorf("feedback: moderation queue: %w", err)
	}
	return page, nil
}

// AuditTrail returns the moderation records of a comment or a thread
// (flags, hides, restores, deletes, edits) in the order written. Only
// moderators and staff read it (else ErrForbidden).
func (s *Comments) AuditTrail(ctx context.Context, by Author, q adapters.ModerationQuery) ([]adapters.ModerationAction, error) {
	var err error
	if !by.Staff {
		err = moderator(by)
	}
	var as []adapters.ModerationAction
	if err == nil {
		as, err = s.store.ListModeration(ctx, q)
	}
	if err != nil {
		return nil, fmt.Errorf("feedback: moderation audit trail: %w", err)
	}
	return as, nil
}
