package adapters

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds of the comment records. Stores refuse anything larger with
// ErrInvalidArgument and write nothing.
const (
	// MaxCommentRunes is the longest comment body, in runes.
	MaxCommentRunes = 5000
	// MaxReasonRunes is the longest reason (for a flag, a hide, a
	// restore, a delete), in runes.
	MaxReasonRunes = 500
	// MaxAuthorNameRunes is the longest display name, in runes.
	MaxAuthorNameRunes = 200
	// MaxCommentKeyBytes is the longest identifier a comment record holds
	// (its id, an author or actor and their issuer, a provider id).
	MaxCommentKeyBytes = 300
	// MaxCommentRevisions is how many times one comment may be edited.
	MaxCommentRevisions = 100
)

// Visibility says who may read a comment.
type Visibility string

// The visibilities of a comment.
const (
	// VisibilityPublic comments are read by residents and staff.
	VisibilityPublic Visibility = "public"
	// VisibilityInternal comments are read by staff only.
	VisibilityInternal Visibility = "internal"
)

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool { return v == VisibilityPublic || v == VisibilityInternal }

// Comment is one comment on a thread: a case, an idea or an agenda item
// (any valid Topic). Stores keep deleted and hidden comments; listings
// leave them out unless asked.
type Comment struct {
	// ID is the comment's key.
	ID string
	// Thread is what the comment is on: CaseTopic, IdeaTopic,
	// AgendaTopic...
	Thread Topic
	// Visibility says who may read it.
	Visibility Visibility
	// Author is the writer's person id: an identity subject, or for
	// someone known only by an address, the channel and address
	// ("sms:+15551234567", see Person.ID). AuthorIssuer is the subject's
	// identity issuer, empty when there is none.
	Author, AuthorIssuer string
	// AuthorName is the name shown with the comment.
	AuthorName string
	// Via is the channel the comment came through: "web", "sms",
	// "email", "counter", "phone"...
	Via string
	// ProviderID is, for a comment that arrived as a reply on a channel,
	// the provider's id of that reply (an SMS message id, an email
	// Message-ID): a redelivered reply with the same Via and ProviderID
	// is not added twice (see CommentStore.AddComment). Empty for web
	// comments.
	ProviderID string
	// Body is the text as it reads now.
	Body string
	// CreatedAt is when the comment was written; EditedAt when its body
	// last changed (zero when never edited).
	CreatedAt, EditedAt time.Time
	// Revisions counts the edits; ListRevisions returns the bodies they
	// replaced.
	Revisions int
	// DeletedAt, set, marks a soft-deleted comment: who deleted it and
	// why. Its body is kept for the audit trail.
	DeletedAt    time.Time
	DeletedBy    string
	DeleteReason string
	// HiddenAt, set, marks a comment hidden by a moderator or held for
	// review: who hid it and why.
	HiddenAt     time.Time
	HiddenBy     string
	HiddenReason string
	// Flags counts the people who flagged the comment.
	Flags int
	// FlaggedAt, set, puts the comment in the moderators' queue
	// (ListFlagged): the time of its first flag since a moderator last
	// decided on it, or its creation when it was held for review. A hide
	// or a restore clears it; so does a delete.
	FlaggedAt time.Time
	// Version counts the changes of the comment (edits, deletes, hides
	// and restores; not flags), from 1: the optimistic concurrency check
	// of EditComment and DeleteComment.
	Version int64
}

// Deleted reports whether the comment is soft-deleted.
func (c Comment) Deleted() bool { return !c.DeletedAt.IsZero() }

// Hidden reports whether the comment is hidden.
func (c Comment) Hidden() bool { return !c.HiddenAt.IsZero() }

// CommentRevision is a body an edit replaced.
type CommentRevision struct {
	// CommentID is the comment; Revision numbers its edits from 1.
	CommentID string
	Revision  int
	// Body is the text before the edit.
	Body string
	// EditedBy and EditedAt are who made the edit and when.
	EditedBy string
	EditedAt time.Time
}

// ModerationKind names what a moderation record records.
type ModerationKind string

// The kinds of moderation record.
const (
	ModerationFlag    ModerationKind = "flag"
	ModerationHide    ModerationKind = "hide"
	ModerationRestore ModerationKind = "restore"
	ModerationDelete  ModerationKind = "delete"
	ModerationEdit    ModerationKind = "edit"
)

// ModerationAction is one record of the moderation audit trail, written
// by the store in the same transaction as the change it records.
type ModerationAction struct {
	// Seq is the store's number of the record, increasing in the order
	// records were written.
	Seq int64
	// CommentID and Thread name the comment acted on.
	CommentID string
	Thread    Topic
	// Action is what was done.
	Action ModerationKind
	// Actor and ActorIssuer are who did it.
	Actor, ActorIssuer string
	// Reason is why (empty for an edit).
	Reason string
	// At is when.
	At time.Time
}

// EditParams is what CommentStore.EditComment writes.
type EditParams struct {
	// ID is the comment; ExpectedVersion the version the editor read.
	ID              string
	ExpectedVersion int64
	// Body is the new text.
	Body string
	// Editor and EditorIssuer are who edits; At is when.
	Editor, EditorIssuer string
	At                   time.Time
}

// DeleteParams is what CommentStore.DeleteComment writes.
type DeleteParams struct {
	// ID is the comment. ExpectedVersion, when not zero, must equal the
	// stored version.
	ID              string
	ExpectedVersion int64
	// Actor and ActorIssuer are who deletes; Reason (required) why; At
	// when.
	Actor, ActorIssuer string
	Reason             string
	At                 time.Time
}

// FlagParams is what CommentStore.FlagComment writes.
type FlagParams struct {
	// ID is the comment.
	ID string
	// Flagger and FlaggerIssuer are who flags: one flag per flagger.
	Flagger, FlaggerIssuer string
	// Reason is why (required); At when.
	Reason string
	At     time.Time
}

// HideParams is what CommentStore.SetCommentHidden writes.
type HideParams struct {
	// ID is the comment.
	ID string
	// Hidden true hides the comment; false restores it.
	Hidden bool
	// Actor and ActorIssuer are the moderator; Reason (required) why; At
	// when.
	Actor, ActorIssuer string
	Reason             string
	At                 time.Time
}

// CommentQuery selects one page of a thread's comments.
type CommentQuery struct {
	// Thread is the thread to list (required).
	Thread Topic
	// IncludeInternal, IncludeHidden and IncludeDeleted add the internal,
	// hidden and deleted comments; without them a listing is what
	// residents may read.
	IncludeInternal, IncludeHidden, IncludeDeleted bool
	// Limit is the page size: 0 means DefaultPageSize; above MaxPageSize
	// or negative is ErrInvalidArgument.
	Limit int
	// Cursor is the NextCursor of the previous page, or empty.
	Cursor string
}

// FlaggedQuery selects one page of the moderators' queue.
type FlaggedQuery struct {
	// Limit and Cursor page as in CommentQuery.
	Limit  int
	Cursor string
}

// CommentPage is one page of comments.
type CommentPage struct {
	Comments []Comment
	// NextCursor continues the listing; empty on the last page.
	NextCursor string
}

// ModerationQuery selects moderation records: of one comment, or of every
// comment on one thread (exactly one of CommentID and Thread is set).
type ModerationQuery struct {
	CommentID string
	Thread    Topic
	// AfterSeq lists records numbered after it: the Seq of the last
	// record of the previous page, or 0.
	AfterSeq int64
	// Limit is the page size, as in CommentQuery.
	Limit int
}

// CommentCount counts the comments an author wrote since a time: the
// measure of a rate limit.
type CommentCount struct {
	// Author and AuthorIssuer name the author as Comment does.
	Author, AuthorIssuer string
	// Since counts comments created at or after it.
	Since time.Time
}

// CommentStore keeps comments on threads, their edit history, flags and
// the moderation audit trail. It is safe for concurrent use; every method
// is one transaction. Deleted comments stay (soft delete) and cannot
// change any more: an edit, delete, flag, hide or restore of one returns
// ErrConflict and writes nothing.
type CommentStore interface {
	// AddComment writes a new comment with Version 1 and returns it as
	// stored (see Comment.Validate; the store zeroes EditedAt, Revisions,
	// the delete fields, Flags and FlaggedAt). A comment added hidden
	// (HiddenAt set: held for review) gets FlaggedAt = CreatedAt and a
	// ModerationHide record by HiddenBy, in the same transaction. An id
	// in use returns ErrDuplicate.
	//
	// With a ProviderID already stored for the same Via, the call is a
	// redelivery: if the stored comment has the same Thread, Author and
	// AuthorIssuer, it writes nothing and returns the stored comment (its
	// ID, not c.ID); otherwise it returns ErrDuplicate.
	AddComment(ctx context.Context, c Comment) (Comment, error)

	// GetComment returns the comment with the id, deleted or hidden, or
	// ErrNotFound.
	GetComment(ctx context.Context, id string) (Comment, error)

	// EditComment replaces the body only if the stored version equals
	// p.ExpectedVersion, else it returns ErrConflict and writes nothing.
	// It keeps the replaced body as the next CommentRevision, sets
	// EditedAt, adds one to Revisions and Version, and writes a
	// ModerationEdit record. An edit past MaxCommentRevisions is
	// ErrInvalidArgument; an unknown comment ErrNotFound.
	EditComment(ctx context.Context, p EditParams) (Comment, error)

	// DeleteComment soft-deletes the comment: it sets the delete fields,
	// clears FlaggedAt, adds one to Version and writes a ModerationDelete
	// record. A non-zero p.ExpectedVersion that differs from the stored
	// one returns ErrConflict; an unknown comment ErrNotFound.
	DeleteComment(ctx context.Context, p DeleteParams) (Comment, error)

	// ListComments returns one page of a thread's comments, oldest first
	// (CreatedAt, then ID), and a cursor for the next page (empty on the
	// last). Keyset pagination: comments added between pages never make
	// a page skip or repeat a comment. An unknown thread has no comments.
	ListComments(ctx context.Context, q CommentQuery) (CommentPage, error)

	// ListRevisions returns the bodies a comment's edits replaced, in
	// Revision order. An unknown comment returns ErrNotFound.
	ListRevisions(ctx context.Context, commentID string) ([]CommentRevision, error)

	// FlagComment records a flag and returns the comment's flag count
	// after it. It sets FlaggedAt if it is zero and writes a
	// ModerationFlag record. A flagger who already flagged the comment
	// gets ErrDuplicate (even when racing itself); an unknown comment
	// ErrNotFound.
	FlagComment(ctx context.Context, p FlagParams) (int, error)

	// SetCommentHidden hides (p.Hidden) or restores a comment, sets or
	// clears the hide fields, clears FlaggedAt (a moderator decided),
	// adds one to Version and writes a ModerationHide or
	// ModerationRestore record, all in one transaction. Hiding a hidden
	// comment replaces its reason; restoring a visible one dismisses its
	// flags. An unknown comment returns ErrNotFound.
	SetCommentHidden(ctx context.Context, p HideParams) (Comment, error)

	// ListModeration returns moderation records in Seq order, of one
	// comment or one thread, after q.AfterSeq, at most the page size.
	ListModeration(ctx context.Context, q ModerationQuery) ([]ModerationAction, error)

	// CountCommentsBy counts the comments (deleted and hidden included)
	// an author created at or after q.Since.
	CountCommentsBy(ctx context.Context, q CommentCount) (int64, error)

	// ListFlagged returns one page of the moderators' queue: comments
	// with FlaggedAt set, oldest FlaggedAt first (then ID), keyset paged
	// like ListComments.
	ListFlagged(ctx context.Context, q FlaggedQuery) (CommentPage, error)
}

// validKey checks an identifier: required unless optional, at most
// MaxCommentKeyBytes.
func validKey(what, s string, required bool) error {
	switch {
	case s == "" && required:
		return invalid("%s is empty", what)
	case len(s) > MaxCommentKeyBytes:
		return invalid("%s is %d bytes, above %d", what, len(s), MaxCommentKeyBytes)
	}
	return nil
}

// validText checks a text: valid UTF-8, not blank when required, at most
// max runes.
func validText(what, s string, max int, required bool) error {
	switch {
	case !utf8.ValidString(s):
		return invalid("%s is not valid UTF-8", what)
	case required && strings.TrimSpace(s) == "":
		return invalid("%s is empty", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid("%s is %d characters, above %d", what, n, max)
	}
	return nil
}

// ValidateCommentBody reports a body that is blank, not UTF-8, or longer
// than max runes (MaxCommentRunes when max is 0 or above it), wrapping
// ErrInvalidArgument.
func ValidateCommentBody(body string, max int) error {
	if max <= 0 || max > MaxCommentRunes {
		max = MaxCommentRunes
	}
	return validText("comment body", body, max, true)
}

// Validate reports every way c breaks the AddComment contract, each error
// wrapping ErrInvalidArgument.
func (c Comment) Validate() error {
	var errs []error
	errs = appendErr(errs, validKey("comment id", c.ID, true))
	if !c.Thread.Valid() {
		errs = append(errs, invalid("comment thread %q is not a valid topic", c.Thread))
	}
	if !c.Visibility.Valid() {
		errs = append(errs, invalid("comment visibility %q is unknown", c.Visibility))
	}
	errs = appendErr(errs, validKey("comment author", c.Author, true))
	errs = appendErr(errs, validKey("comment author issuer", c.AuthorIssuer, false))
	errs = appendErr(errs, validText("comment author name", c.AuthorName, MaxAuthorNameRunes, false))
	if len(c.Via) > MaxViaLen {
		errs = append(errs, invalid("comment channel is %d bytes, above %d", len(c.Via), MaxViaLen))
	}
	errs = appendErr(errs, validKey("comment provider id", c.ProviderID, false))
	if c.ProviderID != "" && c.Via == "" {
		errs = append(errs, invalid("comment provider id without a channel (Via)"))
	}
	errs = appendErr(errs, ValidateCommentBody(c.Body, MaxCommentRunes))
	if c.CreatedAt.IsZero() {
		errs = append(errs, invalid("comment created time is zero"))
	}
	if c.Hidden() {
		errs = appendErr(errs, validKey("comment hidden by", c.HiddenBy, true))
		errs = appendErr(errs, validText("comment hidden reason", c.HiddenReason, MaxReasonRunes, true))
	} else if c.HiddenBy != "" || c.HiddenReason != "" {
		errs = append(errs, invalid("comment names who hid it and why without a hidden time"))
	}
	return errors.Join(errs...)
}

// Validate reports every way p breaks the EditComment contract, each
// error wrapping ErrInvalidArgument.
func (p EditParams) Validate() error {
	var errs []error
	errs = appendErr(errs, validKey("comment id", p.ID, true))
	if p.ExpectedVersion < 1 {
		errs = append(errs, invalid("expected version %d is below 1", p.ExpectedVersion))
	}
	errs = appendErr(errs, ValidateCommentBody(p.Body, MaxCommentRunes))
	errs = appendErr(errs, validKey("editor", p.Editor, true))
	errs = appendErr(errs, validKey("editor issuer", p.EditorIssuer, false))
	if p.At.IsZero() {
		errs = append(errs, invalid("edit time is zero"))
	}
	return errors.Join(errs...)
}

// validAct checks the actor, reason and time every moderation write has.
func validAct(what, id, actor, issuer, reason string, at time.Time) []error {
	var errs []error
	errs = appendErr(errs, validKey("comment id", id, true))
	errs = appendErr(errs, validKey(what+" actor", actor, true))
	errs = appendErr(errs, validKey(what+" actor issuer", issuer, false))
	errs = appendErr(errs, validText(what+" reason", reason, MaxReasonRunes, true))
	if at.IsZero() {
		errs = append(errs, invalid("%s time is zero", what))
	}
	return errs
}

// Validate reports every way p breaks the DeleteComment contract, each
// error wrapping ErrInvalidArgument.
func (p DeleteParams) Validate() error {
	errs := validAct("delete", p.ID, p.Actor, p.ActorIssuer, p.Reason, p.At)
	if p.ExpectedVersion < 0 {
		errs = append(errs, invalid("expected version %d is negative", p.ExpectedVersion))
	}
	return errors.Join(errs...)
}

// Validate reports every way p breaks the FlagComment contract, each
// error wrapping ErrInvalidArgument.
func (p FlagParams) Validate() error {
	return errors.Join(validAct("flag", p.ID, p.Flagger, p.FlaggerIssuer, p.Reason, p.At)...)
}

// Validate reports every way p breaks the SetCommentHidden contract, each
// error wrapping ErrInvalidArgument.
func (p HideParams) Validate() error {
	return errors.Join(validAct(string(p.Kind()), p.ID, p.Actor, p.ActorIssuer, p.Reason, p.At)...)
}

// Kind is the moderation record p writes: ModerationHide or
// ModerationRestore.
func (p HideParams) Kind() ModerationKind {
	if p.Hidden {
		return ModerationHide
	}
	return ModerationRestore
}

func validPageSize(n int) error {
	switch {
	case n < 0:
		return invalid("page size %d is negative", n)
	case n > MaxPageSize:
		return invalid("page size %d is above the maximum %d", n, MaxPageSize)
	}
	return nil
}

// The orders comment cursors are made for, so that a cursor of one
// listing is refused by another.
const (
	orderComments Order = "comments"
	orderFlagged  Order = "flagged"
)

func encodeCursor(o Order, key time.Time, id string) string {
	b, _ := json.Marshal(cursorJSON{Order: o, Key: StoredTime(key).UnixMicro(), ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(o Order, cursor string) (CursorPosition, error) {
	return CaseQuery{Order: o, Cursor: cursor}.DecodeCursor()
}

// Validate reports every way q breaks the ListComments contract, each
// error wrapping ErrInvalidArgument.
func (q CommentQuery) Validate() error {
	var errs []error
	if !q.Thread.Valid() {
		errs = append(errs, invalid("comment thread %q is not a valid topic", q.Thread))
	}
	errs = appendErr(errs, validPageSize(q.Limit))
	if _, err := q.DecodeCursor(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// PageSize is the number of comments the page holds at most.
func (q CommentQuery) PageSize() int { return pageSize(q.Limit) }

// NextCursor is the opaque cursor of the page that ends with c.
func (q CommentQuery) NextCursor(c Comment) string {
	return encodeCursor(orderComments, c.CreatedAt, c.ID)
}

// DecodeCursor reads q.Cursor: the CreatedAt and ID of the last comment
// of the previous page. A malformed cursor, or one of another listing,
// returns ErrInvalidArgument; an empty one the zero position.
func (q CommentQuery) DecodeCursor() (CursorPosition, error) {
	return decodeCursor(orderComments, q.Cursor)
}

// Validate reports every way q breaks the ListFlagged contract, each
// error wrapping ErrInvalidArgument.
func (q FlaggedQuery) Validate() error {
	var errs []error
	errs = appendErr(errs, validPageSize(q.Limit))
	if _, err := q.DecodeCursor(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// PageSize is the number of comments the page holds at most.
func (q FlaggedQuery) PageSize() int { return pageSize(q.Limit) }

// NextCursor is the opaque cursor of the page that ends with c.
func (q FlaggedQuery) NextCursor(c Comment) string {
	return encodeCursor(orderFlagged, c.FlaggedAt, c.ID)
}

// DecodeCursor reads q.Cursor: the FlaggedAt and ID of the last comment
// of the previous page, as CommentQuery.DecodeCursor does.
func (q FlaggedQuery) DecodeCursor() (CursorPosition, error) {
	return decodeCursor(orderFlagged, q.Cursor)
}

// Validate reports every way q breaks the ListModeration contract, each
// error wrapping ErrInvalidArgument.
func (q ModerationQuery) Validate() error {
	var errs []error
	if (q.CommentID == "") == (q.Thread == "") {
		errs = append(errs, invalid("moderation query must name one comment or one thread"))
	}
	errs = appendErr(errs, validKey("comment id", q.CommentID, false))
	if q.Thread != "" && !q.Thread.Valid() {
		errs = append(errs, invalid("comment thread %q is not a valid topic", q.Thread))
	}
	if q.AfterSeq < 0 {
		errs = append(errs, invalid("moderation cursor %d is negative", q.AfterSeq))
	}
	errs = appendErr(errs, validPageSize(q.Limit))
	return errors.Join(errs...)
}

// PageSize is the number of records the page holds at most.
func (q ModerationQuery) PageSize() int { return pageSize(q.Limit) }

// Validate reports every way q breaks the CountCommentsBy contract, each
// error wrapping ErrInvalidArgument.
func (q CommentCount) Validate() error {
	var errs []error
	errs = appendErr(errs, validKey("comment author", q.Author, true))
	errs = appendErr(errs, validKey("comment author issuer", q.AuthorIssuer, false))
	if q.Since.IsZero() {
		errs = append(errs, invalid("comment count start time is zero"))
	}
	return errors.Join(errs...)
}
