package adapters

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"
	"unicode/utf8"
)

// Bounds on what a MeetingStore accepts; larger values are
// ErrInvalidArgument.
const (
	// MaxMeetingText bounds short texts: names, titles, locations,
	// reasons (bytes).
	MaxMeetingText = 500
	// MaxMeetingID bounds ids of bodies, meetings, items, comments,
	// signups and people (bytes).
	MaxMeetingID = 200
	// MaxAgendaItems is the most items one agenda holds.
	MaxAgendaItems = 200
	// MaxAgendaSummary bounds an agenda item's summary (bytes).
	MaxAgendaSummary = 20_000
	// MaxCommentBody bounds a written public comment (bytes).
	MaxCommentBody = 10_000
	// MaxMinutes bounds a meeting's minutes (bytes).
	MaxMinutes = 1 << 20
	// MaxRemoteURL bounds a meeting's remote attendance link (bytes).
	MaxRemoteURL = 2000
)

// Body is a public body that meets: a council, a board, a commission.
type Body struct {
	// ID is chosen by the caller.
	ID string
	// Name is shown to residents ("City Council").
	Name string
	// TimeZone is the IANA zone the body meets in ("America/New_York"):
	// meeting times and deadlines are shown in it. Stores keep instants
	// in UTC.
	TimeZone string
}

// MeetingMode is how people attend a meeting.
type MeetingMode string

// The ways to attend a meeting.
const (
	MeetingInPerson MeetingMode = "in-person"
	MeetingRemote   MeetingMode = "remote"
	MeetingHybrid   MeetingMode = "hybrid"
)

// MeetingStatus is where a meeting is in its life.
type MeetingStatus string

// The states of a meeting.
const (
	// MeetingDraft meetings are being prepared; residents do not see them.
	MeetingDraft MeetingStatus = "draft"
	// MeetingPublished meetings have a public agenda open to comment.
	MeetingPublished MeetingStatus = "published"
	// MeetingCancelled meetings will not be held.
	MeetingCancelled MeetingStatus = "cancelled"
	// MeetingHeld meetings took place; their minutes are set.
	MeetingHeld MeetingStatus = "held"
)

// Meeting is one meeting of a public body and its agenda.
type Meeting struct {
	// ID is chosen by the caller; BodyID names the body that meets.
	ID, BodyID string
	// Title is shown to residents ("Regular meeting").
	Title string
	// StartsAt is when the meeting starts (an instant; show it in the
	// body's zone).
	StartsAt time.Time
	// Location is where to attend in person; RemoteURL how to attend
	// remotely (an http or https URL).
	Location, RemoteURL string
	// Mode is how people attend.
	Mode MeetingMode
	// Status is set by the store: MeetingDraft when saved first, then
	// PublishAgenda, SetMinutes or a cancelling SaveMeeting change it.
	Status MeetingStatus
	// AgendaVersion counts PublishAgenda calls: 0 for an agenda never
	// published, 1 after the first.
	AgendaVersion int
	// Minutes are the meeting's minutes, set by SetMinutes.
	Minutes string
	// PublishedAt is when the current agenda was published (zero: never).
	PublishedAt time.Time
	// UpdatedAt is when the meeting last changed.
	UpdatedAt time.Time
	// Version is set by the store: 1 when created, plus one per change.
	// Callers pass it back as the expected version of their next change.
	Version int64
	// Items is the agenda in order. GetMeeting fills it; ListMeetings
	// leaves it nil.
	Items []AgendaItem
}

// AgendaItem is one item on a meeting's agenda.
type AgendaItem struct {
	// MeetingID is set by the store.
	MeetingID string
	// ID is the item's number or key within the meeting ("1", "4b").
	ID string
	// Title and Summary describe the item.
	Title, Summary string
	// CommentDeadline is the instant written comments and speaker
	// signups close. Zero means when the meeting starts.
	CommentDeadline time.Time
	// SpeakersAllowed reports whether residents may sign up to speak.
	SpeakersAllowed bool
}

// Deadline is when comment on the item closes for a meeting starting at
// startsAt: CommentDeadline, or startsAt when that is zero.
func (i AgendaItem) Deadline(startsAt time.Time) time.Time {
	if i.CommentDeadline.IsZero() {
		return StoredTime(startsAt)
	}
	return StoredTime(i.CommentDeadline)
}

// CommentPosition is a commenter's stance on an item.
type CommentPosition string

// The stances a comment may take.
const (
	PositionSupport CommentPosition = "support"
	PositionOppose  CommentPosition = "oppose"
	PositionNeutral CommentPosition = "neutral"
)

// PublicCommentStatus is where a public comment is in moderation.
type PublicCommentStatus string

// The moderation states of a public comment.
const (
	// CommentReceived comments wait for moderation.
	CommentReceived PublicCommentStatus = "received"
	// CommentPublished comments are part of the public record.
	CommentPublished PublicCommentStatus = "published"
	// CommentRejected comments are kept but not published.
	CommentRejected PublicCommentStatus = "rejected"
)

// PublicComment is a written comment a resident submitted on an agenda
// item.
type PublicComment struct {
	// ID is chosen by the caller.
	ID string
	// MeetingID and Item name the agenda item.
	MeetingID, Item string
	// Author and AuthorIssuer are the commenter's identity; empty when
	// not signed in.
	Author, AuthorIssuer string
	// Name is the name the commenter gave for the record.
	Name string
	// Position is the commenter's stance.
	Position CommentPosition
	// Body is the comment's text.
	Body string
	// Status is set by the store: CommentReceived when added, then what
	// moderation decided.
	Status PublicCommentStatus
	// ModeratedBy and Reason are the last moderation's actor and reason;
	// ModeratedAt its time (zero: not moderated).
	ModeratedBy, Reason string
	ModeratedAt         time.Time
	// SubmittedAt is when the comment was received.
	SubmittedAt time.Time
}

// CommentModeration is one moderation decision, kept for audit.
type CommentModeration struct {
	// CommentID names the comment.
	CommentID string
	// Status is what the moderator decided.
	Status PublicCommentStatus
	// Actor is the moderator's subject; Reason why.
	Actor, Reason string
	// At is when the decision was made.
	At time.Time
}

// SpeakerMode is how a resident will speak.
type SpeakerMode string

// The ways to speak at a meeting.
const (
	SpeakInPerson SpeakerMode = "in-person"
	SpeakRemote   SpeakerMode = "remote"
)

// SpeakerSignup is a resident's request to speak on an agenda item.
type SpeakerSignup struct {
	// ID is chosen by the caller.
	ID string
	// MeetingID and Item name the agenda item.
	MeetingID, Item string
	// Person is the speaker's identity subject (or person id); one
	// signup per person per item.
	Person string
	// Name is the name to call the speaker by.
	Name string
	// Mode is how the speaker will speak.
	Mode SpeakerMode
	// CreatedAt is when the signup was received; it orders speakers.
	CreatedAt time.Time
}

// SaveMeetingParams is what MeetingStore.SaveMeeting writes.
type SaveMeetingParams struct {
	// Meeting is the meeting and its agenda. The store ignores its
	// Version, AgendaVersion, Minutes, PublishedAt and UpdatedAt; its
	// Status may be empty (kept; MeetingDraft for a new meeting) or, for
	// an existing meeting, MeetingCancelled.
	Meeting Meeting
	// ExpectedVersion is 0 to create the meeting, else the version the
	// caller read.
	ExpectedVersion int64
	// At is the time of the change (UpdatedAt).
	At time.Time
}

// PublishAgendaParams is what MeetingStore.PublishAgenda writes.
type PublishAgendaParams struct {
	// MeetingID and ExpectedVersion name the meeting as the caller read
	// it.
	MeetingID       string
	ExpectedVersion int64
	// At is the time of publication.
	At time.Time
	// Messages are notifications written with the publication, through
	// the same path as Outbox.EnqueueMessages; a message addressed to
	// SubscribersOf(BodyTopic(body)) reaches the body's subscribers.
	Messages []Message
}

// ModerateCommentParams is what MeetingStore.ModeratePublicComment writes.
type ModerateCommentParams struct {
	// CommentID names the comment.
	CommentID string
	// Status is CommentPublished or CommentRejected.
	Status PublicCommentStatus
	// Actor is the moderator's subject; Reason why (required to reject).
	Actor, Reason string
	// At is when the decision was made.
	At time.Time
}

// SetMinutesParams is what MeetingStore.SetMinutes writes.
type SetMinutesParams struct {
	// MeetingID and ExpectedVersion name the meeting as the caller read
	// it.
	MeetingID       string
	ExpectedVersion int64
	// Minutes are the meeting's minutes.
	Minutes string
	// At is the time of the change.
	At time.Time
}

// MeetingQuery filters and pages ListMeetings.
type MeetingQuery struct {
	// BodyID is the body whose meetings to list; required.
	BodyID string
	// From and To keep meetings starting in [From, To); zero does not
	// bound.
	From, To time.Time
	// Limit is the page size: 0 means DefaultPageSize; negative or above
	// MaxPageSize is ErrInvalidArgument.
	Limit int
	// Cursor is the NextCursor of the previous page, or empty.
	Cursor string
}

// MeetingPage is one page of ListMeetings, in StartsAt order (then ID).
type MeetingPage struct {
	Meetings []Meeting
	// NextCursor continues the listing; empty on the last page.
	NextCursor string
}

// PublicCommentQuery filters and pages ListPublicComments.
type PublicCommentQuery struct {
	// MeetingID is required; Item and Status filter when not empty.
	MeetingID, Item string
	Status          PublicCommentStatus
	// Limit and Cursor page as in MeetingQuery.
	Limit  int
	Cursor string
}

// PublicCommentPage is one page of ListPublicComments, oldest first (SubmittedAt,
// then ID).
type PublicCommentPage struct {
	Comments []PublicComment
	// NextCursor continues the listing; empty on the last page.
	NextCursor string
}

// DeadlineError reports a comment or signup that came after its item's
// deadline. It wraps ErrInvalidArgument; callers find it with errors.As.
type DeadlineError struct {
	// MeetingID and Item name the agenda item.
	MeetingID, Item string
	// Deadline is when comment closed; At when the attempt was made.
	Deadline, At time.Time
}

// Error names the meeting, the item and the deadline that passed.
func (e *DeadlineError) Error() string {
	return fmt.Sprintf("%v: agenda item %q of meeting %q closed for comment at %s (attempt at %s)",
		ErrInvalidArgument, e.Item, e.MeetingID, e.Deadline.UTC().Format(time.RFC3339), e.At.UTC().Format(time.RFC3339))
}

// Unwrap makes a DeadlineError an ErrInvalidArgument.
func (e *DeadlineError) Unwrap() error { return ErrInvalidArgument }

// MeetingStore keeps public bodies, their meetings and agendas, and the
// public comments and speaker signups residents send. It is safe for
// concurrent use; every method is one transaction. Times are kept as
// StoredTime instants; the body's TimeZone is for display only.
type MeetingStore interface {
	// PutBody writes a body, replacing one with the same ID (see
	// Body.Validate).
	PutBody(ctx context.Context, b Body) error
	// GetBody returns the body with the id, or ErrNotFound.
	GetBody(ctx context.Context, id string) (Body, error)
	// ListBodies returns every body ordered by ID.
	ListBodies(ctx context.Context) ([]Body, error)

	// SaveMeeting creates a meeting (ExpectedVersion 0: Version 1,
	// Status MeetingDraft; an ID in use is ErrDuplicate, an unknown body
	// ErrNotFound) or replaces one's fields and whole agenda if its
	// stored version equals ExpectedVersion (else ErrConflict, nothing
	// written), adding one to its version. A cancelled or held meeting is
	// ErrInvalidArgument. Items keep the order given.
	SaveMeeting(ctx context.Context, p SaveMeetingParams) (Meeting, error)
	// PublishAgenda, if the stored version equals p.ExpectedVersion
	// (else ErrConflict), sets the meeting MeetingPublished, adds one to
	// AgendaVersion and Version, sets PublishedAt and UpdatedAt to p.At,
	// and writes p.Messages as EnqueueMessages does (expanding messages
	// addressed to a topic's subscribers), all or nothing. A message id
	// or key in use is ErrDuplicate; a cancelled or held meeting, or one
	// with no agenda item, ErrInvalidArgument; an unknown one ErrNotFound.
	PublishAgenda(ctx context.Context, p PublishAgendaParams) (Meeting, error)
	// GetMeeting returns the meeting with its agenda, or ErrNotFound.
	GetMeeting(ctx context.Context, id string) (Meeting, error)
	// ListMeetings returns one page of a body's meetings in StartsAt
	// order (then ID), without their agendas, and a cursor for the next
	// page (keyset: meetings added between pages never make one skip or
	// repeat).
	ListMeetings(ctx context.Context, q MeetingQuery) (MeetingPage, error)
	// SetMinutes, if the stored version equals p.ExpectedVersion (else
	// ErrConflict), sets the minutes and the status MeetingHeld, adding
	// one to Version. Only a published or held meeting takes minutes
	// (else ErrInvalidArgument).
	SetMinutes(ctx context.Context, p SetMinutesParams) (Meeting, error)

	// AddPublicComment stores a comment with Status CommentReceived. In
	// the same transaction it checks that the meeting is published
	// (ErrInvalidArgument), that the item is on its agenda
	// (ErrNotFound), and that c.SubmittedAt is before the item's deadline
	// (AgendaItem.Deadline); a late comment is a *DeadlineError and
	// nothing is written. An ID in use is ErrDuplicate.
	AddPublicComment(ctx context.Context, c PublicComment) (PublicComment, error)
	// ModeratePublicComment sets a comment's status, actor, reason and
	// time, and appends the decision to the comment's moderation record,
	// both or neither. An unknown comment is ErrNotFound.
	ModeratePublicComment(ctx context.Context, p ModerateCommentParams) (PublicComment, error)
	// ListPublicComments returns one page of a meeting's comments,
	// oldest first (SubmittedAt, then ID), filtered by q.
	ListPublicComments(ctx context.Context, q PublicCommentQuery) (PublicCommentPage, error)
	// ListCommentModerations returns a comment's moderation decisions,
	// oldest first; none for an unknown comment.
	ListCommentModerations(ctx context.Context, commentID string) ([]CommentModeration, error)
	// SignUpToSpeak stores a signup after the checks AddPublicComment
	// makes, and that the item allows speakers (ErrInvalidArgument). A
	// second signup of one person for one item is ErrDuplicate, however
	// many race; so is an ID in use.
	SignUpToSpeak(ctx context.Context, s SpeakerSignup) error
	// ListSpeakers returns the signups for an item (every item when item
	// is empty) in the order received (CreatedAt, then ID); at most
	// MaxSpeakers.
	ListSpeakers(ctx context.Context, meetingID, item string) ([]SpeakerSignup, error)
}

// MaxSpeakers is the most signups ListSpeakers returns.
const MaxSpeakers = 5000

func checkText(errs []error, what, s string, max int, required bool) []error {
	switch {
	case required && s == "":
		return append(errs, invalid("%s is empty", what))
	case len(s) > max:
		return append(errs, invalid("%s is %d bytes, above the maximum %d", what, len(s), max))
	case !utf8.ValidString(s):
		return append(errs, invalid("%s is not valid UTF-8", what))
	}
	return errs
}

// Validate reports every way b breaks PutBody's contract: an empty or long
// id or name, or a time zone time.LoadLocation does not know.
func (b Body) Validate() error {
	var errs []error
	errs = checkText(errs, "body id", b.ID, MaxMeetingID, true)
	errs = checkText(errs, "body name", b.Name, MaxMeetingText, true)
	if b.TimeZone == "" {
		errs = append(errs, invalid("body time zone is empty"))
	} else if _, err := time.LoadLocation(b.TimeZone); err != nil || len(b.TimeZone) > 100 {
		errs = append(errs, invalid("body time zone %q is not an IANA zone", b.TimeZone))
	}
	return errors.Join(errs...)
}

// Valid reports a known mode.
func (m MeetingMode) Valid() bool {
	return m == MeetingInPerson || m == MeetingRemote || m == MeetingHybrid
}

// Validate reports every way p breaks SaveMeeting's contract.
func (p SaveMeetingParams) Validate() error {
	var errs []error
	m := p.Meeting
	errs = checkText(errs, "meeting id", m.ID, MaxMeetingID, true)
	errs = checkText(errs, "meeting body id", m.BodyID, MaxMeetingID, true)
	errs = checkText(errs, "meeting title", m.Title, MaxMeetingText, true)
	errs = checkText(errs, "meeting location", m.Location, MaxMeetingText, false)
	errs = checkText(errs, "meeting remote URL", m.RemoteURL, MaxRemoteURL, false)
	if m.RemoteURL != "" {
		if u, err := url.Parse(m.RemoteURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, invalid("meeting remote URL is not an http(s) URL"))
		}
	}
	if !m.Mode.Valid() {
		errs = append(errs, invalid("meeting mode %q is unknown", m.Mode))
	}
	if m.StartsAt.IsZero() {
		errs = append(errs, invalid("meeting start time is zero"))
	}
	if p.At.IsZero() {
		errs = append(errs, invalid("change time is zero"))
	}
	if p.ExpectedVersion < 0 {
		errs = append(errs, invalid("expected version %d is negative", p.ExpectedVersion))
	}
	switch {
	case m.Status == "" || (m.Status == MeetingDraft && p.ExpectedVersion == 0):
	case m.Status == MeetingCancelled && p.ExpectedVersion > 0:
	default:
		errs = append(errs, invalid("meeting status %q cannot be saved: publish, cancel or set minutes instead", m.Status))
	}
	if len(m.Items) > MaxAgendaItems {
		errs = append(errs, invalid("agenda has %d items, above the maximum %d", len(m.Items), MaxAgendaItems))
	}
	for i, it := range m.Items {
		what := fmt.Sprintf("agenda item %d", i)
		if it.MeetingID != "" && it.MeetingID != m.ID {
			errs = append(errs, invalid("%s meeting id %q differs from %q", what, it.MeetingID, m.ID))
		}
		errs = checkText(errs, what+" id", it.ID, MaxMeetingID, true)
		errs = checkText(errs, what+" title", it.Title, MaxMeetingText, true)
		errs = checkText(errs, what+" summary", it.Summary, MaxAgendaSummary, false)
		for _, prev := range m.Items[:i] {
			if prev.ID == it.ID {
				errs = append(errs, invalid("%s repeats id %q", what, it.ID))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// Validate reports every way p breaks PublishAgenda's contract.
func (p PublishAgendaParams) Validate() error {
	var errs []error
	errs = checkText(errs, "meeting id", p.MeetingID, MaxMeetingID, true)
	if p.ExpectedVersion < 1 {
		errs = append(errs, invalid("expected version %d is below 1", p.ExpectedVersion))
	}
	if p.At.IsZero() {
		errs = append(errs, invalid("publication time is zero"))
	}
	errs = appendErr(errs, validateMessages("", p.Messages))
	return errors.Join(errs...)
}

// Validate reports every way p breaks SetMinutes' contract.
func (p SetMinutesParams) Validate() error {
	var errs []error
	errs = checkText(errs, "meeting id", p.MeetingID, MaxMeetingID, true)
	errs = checkText(errs, "minutes", p.Minutes, MaxMinutes, true)
	if p.ExpectedVersion < 1 {
		errs = append(errs, invalid("expected version %d is below 1", p.ExpectedVersion))
	}
	if p.At.IsZero() {
		errs = append(errs, invalid("change time is zero"))
	}
	return errors.Join(errs...)
}

// Valid reports a known position.
func (p CommentPosition) Valid() bool {
	return p == PositionSupport || p == PositionOppose || p == PositionNeutral
}

// Valid reports a known status.
func (s PublicCommentStatus) Valid() bool {
	return s == CommentReceived || s == CommentPublished || s == CommentRejected
}

// Validate reports every way c breaks AddPublicComment's contract.
func (c PublicComment) Validate() error {
	var errs []error
	errs = checkText(errs, "comment id", c.ID, MaxMeetingID, true)
	errs = checkText(errs, "comment meeting id", c.MeetingID, MaxMeetingID, true)
	errs = checkText(errs, "comment item", c.Item, MaxMeetingID, true)
	errs = checkText(errs, "comment author", c.Author, MaxMeetingID, false)
	errs = checkText(errs, "comment author issuer", c.AuthorIssuer, MaxMeetingText, false)
	errs = checkText(errs, "commenter name", c.Name, MaxMeetingText, false)
	errs = checkText(errs, "comment body", c.Body, MaxCommentBody, true)
	if !c.Position.Valid() {
		errs = append(errs, invalid("comment position %q is unknown", c.Position))
	}
	if c.Status != "" && c.Status != CommentReceived {
		errs = append(errs, invalid("comment status %q: new comments are received", c.Status))
	}
	if c.SubmittedAt.IsZero() {
		errs = append(errs, invalid("comment time is zero"))
	}
	return errors.Join(errs...)
}

// Validate reports every way p breaks ModeratePublicComment's contract.
func (p ModerateCommentParams) Validate() error {
	var errs []error
	errs = checkText(errs, "comment id", p.CommentID, MaxMeetingID, true)
	errs = checkText(errs, "moderator", p.Actor, MaxMeetingID, true)
	errs = checkText(errs, "moderation reason", p.Reason, MaxMeetingText, p.Status == CommentRejected)
	if p.Status != CommentPublished && p.Status != CommentRejected {
		errs = append(errs, invalid("moderation status %q: publish or reject", p.Status))
	}
	if p.At.IsZero() {
		errs = append(errs, invalid("moderation time is zero"))
	}
	return errors.Join(errs...)
}

// Valid reports a known mode.
func (m SpeakerMode) Valid() bool { return m == SpeakInPerson || m == SpeakRemote }

// Validate reports every way s breaks SignUpToSpeak's contract.
func (s SpeakerSignup) Validate() error {
	var errs []error
	errs = checkText(errs, "signup id", s.ID, MaxMeetingID, true)
	errs = checkText(errs, "signup meeting id", s.MeetingID, MaxMeetingID, true)
	errs = checkText(errs, "signup item", s.Item, MaxMeetingID, true)
	errs = checkText(errs, "speaker", s.Person, MaxMeetingID, true)
	errs = checkText(errs, "speaker name", s.Name, MaxMeetingText, true)
	if !s.Mode.Valid() {
		errs = append(errs, invalid("speaker mode %q is unknown", s.Mode))
	}
	if s.CreatedAt.IsZero() {
		errs = append(errs, invalid("signup time is zero"))
	}
	return errors.Join(errs...)
}

// keyset is the position after the last row of a page.
type keyset struct {
	Kind string `json:"o"`
	Key  int64  `json:"k"`
	ID   string `json:"i"`
}

func encodeKeyset(kind string, key time.Time, id string) string {
	b, _ := json.Marshal(keyset{Kind: kind, Key: StoredTime(key).UnixMicro(), ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeKeyset(kind, cursor string) (CursorPosition, error) {
	if cursor == "" {
		return CursorPosition{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	var k keyset
	if err == nil {
		err = json.Unmarshal(b, &k)
	}
	if err != nil || k.ID == "" || k.Kind != kind {
		return CursorPosition{}, invalid("malformed %s cursor", kind)
	}
	return CursorPosition{Key: time.UnixMicro(k.Key).UTC(), ID: k.ID}, nil
}

func validatePage(errs []error, limit int) []error {
	if limit < 0 || limit > MaxPageSize {
		errs = append(errs, invalid("page size %d is outside 0..%d", limit, MaxPageSize))
	}
	return errs
}

// Validate reports every way q breaks ListMeetings' contract.
func (q MeetingQuery) Validate() error {
	var errs []error
	errs = checkText(errs, "body id", q.BodyID, MaxMeetingID, true)
	errs = validatePage(errs, q.Limit)
	if _, err := q.DecodeCursor(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// PageSize is the number of meetings the page holds at most.
func (q MeetingQuery) PageSize() int { return pageSize(q.Limit) }

// NextCursor is the cursor of the page that ends with m.
func (q MeetingQuery) NextCursor(m Meeting) string { return encodeKeyset("meetings", m.StartsAt, m.ID) }

// DecodeCursor reads q.Cursor: the StartsAt and ID of the last meeting of
// the previous page. An empty cursor is the zero position; a malformed one
// ErrInvalidArgument.
func (q MeetingQuery) DecodeCursor() (CursorPosition, error) {
	return decodeKeyset("meetings", q.Cursor)
}

// Validate reports every way q breaks ListPublicComments' contract.
func (q PublicCommentQuery) Validate() error {
	var errs []error
	errs = checkText(errs, "meeting id", q.MeetingID, MaxMeetingID, true)
	if q.Status != "" && !q.Status.Valid() {
		errs = append(errs, invalid("comment status %q is unknown", q.Status))
	}
	errs = validatePage(errs, q.Limit)
	if _, err := q.DecodeCursor(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// PageSize is the number of comments the page holds at most.
func (q PublicCommentQuery) PageSize() int { return pageSize(q.Limit) }

// NextCursor is the cursor of the page that ends with c.
func (q PublicCommentQuery) NextCursor(c PublicComment) string {
	return encodeKeyset("comments", c.SubmittedAt, c.ID)
}

// DecodeCursor reads q.Cursor: the SubmittedAt and ID of the last comment
// of the previous page.
func (q PublicCommentQuery) DecodeCursor() (CursorPosition, error) {
	return decodeKeyset("comments", q.Cursor)
}

// CheckCommentWindow is the check every MeetingStore makes, inside its
// transaction, before it stores a comment or signup on an item of m at
// time at: m is published, the item is on its agenda (ErrNotFound),
// speakers are allowed when speaking is true, and at is before the
// item's deadline (*DeadlineError).
func CheckCommentWindow(m Meeting, item string, at time.Time, speaking bool) error {
	if m.Status != MeetingPublished {
		return invalid("meeting %q is %s: comment is open only on a published agenda", m.ID, m.Status)
	}
	for _, it := range m.Items {
		if it.ID != item {
			continue
		}
		if speaking && !it.SpeakersAllowed {
			return invalid("agenda item %q of meeting %q takes no speakers", item, m.ID)
		}
		if d := it.Deadline(m.StartsAt); !StoredTime(at).Before(d) {
			return &DeadlineError{MeetingID: m.ID, Item: item, Deadline: d, At: StoredTime(at)}
		}
		return nil
	}
	return fmt.Errorf("%w: agenda item %q of meeting %q", ErrNotFound, item, m.ID)
}
