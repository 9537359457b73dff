package feedback

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
)

// The templates of the messages Meetings writes. Both render the fields
// AgendaTemplateFields lists (see AgendaNotice).
const (
	// AgendaPublishedTemplate announces a meeting's first agenda.
	AgendaPublishedTemplate = "agenda-published"
	// AgendaChangedTemplate announces a change to a published agenda.
	AgendaChangedTemplate = "agenda-changed"
)

// AgendaTemplateFields are the JSON fields of an agenda message's Data,
// for template authors and their tests: see AgendaNotice.
var AgendaTemplateFields = []string{
	"body", "bodyId", "meeting", "title", "startsAt", "timeZone", "mode", "location", "remoteUrl", "link", "agendaVersion",
}

// AgendaNotice is the Data of an agenda message.
type AgendaNotice struct {
	// Body is the body's name; BodyID its id.
	Body   string `json:"body"`
	BodyID string `json:"bodyId"`
	// Meeting is the meeting's id; Title its title.
	Meeting string `json:"meeting"`
	Title   string `json:"title"`
	// StartsAt is the start in the body's zone, RFC 3339 with that zone's
	// offset on the day ("2026-11-02T18:00:00-05:00"); TimeZone is the
	// zone's IANA name.
	StartsAt string `json:"startsAt"`
	TimeZone string `json:"timeZone"`
	// Mode, Location and RemoteURL say how to attend.
	Mode      string `json:"mode"`
	Location  string `json:"location,omitempty"`
	RemoteURL string `json:"remoteUrl,omitempty"`
	// Link is the meeting's public page (MeetingsConfig.Link); omitted
	// when there is none.
	Link string `json:"link,omitempty"`
	// AgendaVersion is the version the message announces (1 for the
	// first).
	AgendaVersion int `json:"agendaVersion"`
}

// The errors Meetings adds to the adapters sentinels. Each wraps
// adapters.ErrInvalidArgument (ErrAlreadySignedUp adapters.ErrDuplicate),
// so a caller that maps those to answers keeps working.
var (
	// ErrDeadlinePassed reports a comment or signup after its item's
	// deadline.
	ErrDeadlinePassed = fmt.Errorf("feedback: the comment deadline has passed: %w", adapters.ErrInvalidArgument)
	// ErrNotOpen reports a comment or signup on a meeting whose agenda is
	// not published (a draft, a cancelled or a held meeting).
	ErrNotOpen = fmt.Errorf("feedback: the meeting is not open for comment: %w", adapters.ErrInvalidArgument)
	// ErrNameRequired reports a comment or signup without a name.
	ErrNameRequired = fmt.Errorf("feedback: a name is required: %w", adapters.ErrInvalidArgument)
	// ErrCommentEmpty reports a comment with no text.
	ErrCommentEmpty = fmt.Errorf("feedback: the comment is empty: %w", adapters.ErrInvalidArgument)
	// ErrCommentTooLong reports a comment above adapters.MaxCommentBody
	// bytes.
	ErrCommentTooLong = fmt.Errorf("feedback: the comment is too long: %w", adapters.ErrInvalidArgument)
	// ErrNoSpeakers reports a signup on an item that takes no speakers.
	ErrNoSpeakers = fmt.Errorf("feedback: the item takes no speakers: %w", adapters.ErrInvalidArgument)
	// ErrAlreadySignedUp reports a second signup of one person for one
	// item.
	ErrAlreadySignedUp = fmt.Errorf("feedback: already signed up to speak on this item: %w", adapters.ErrDuplicate)
)

// MeetingsConfig configures Meetings. The zero value is valid.
type MeetingsConfig struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// IDs returns a new unique id for comments and signups; nil means 26
	// random base32 characters (crypto/rand.Text).
	IDs func() string
	// Link returns the public page of a meeting for agenda messages; nil
	// means messages carry no link.
	Link func(meetingID string) string
}

// Validate reports problems with the configuration; every field is
// optional, so it returns nil.
func (c *MeetingsConfig) Validate() error { return nil }

// Meetings runs public meetings: bodies, agendas residents are told about,
// written comment and speaker signups before each item's deadline,
// moderation and minutes. Times are instants; views present them in the
// body's zone. It is safe for concurrent use.
type Meetings struct {
	store adapters.MeetingStore
	now   func() time.Time
	ids   func() string
	link  func(string) string
}

// NewMeetings returns a Meetings service over the store; nil cfg means
// the defaults.
func NewMeetings(store adapters.MeetingStore, cfg *MeetingsConfig) (*Meetings, error) {
	if store == nil {
		return nil, fmt.Errorf("feedback: new meetings: %w: the store is nil", adapters.ErrInvalidArgument)
	}
	var c MeetingsConfig
	if cfg != nil {
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("feedback: new meetings: %w", err)
		}
		c = *cfg
	}
	m := &Meetings{store: store, now: c.Now, ids: c.IDs, link: c.Link}
	if m.now == nil {
		m.now = time.Now
	}
	if m.ids == nil {
		m.ids = rand.Text
	}
	return m, nil
}

// CreateBody records a public body, or replaces one with the same id.
func (s *Meetings) CreateBody(ctx context.Context, b adapters.Body) error {
	if err := s.store.PutBody(ctx, b); err != nil {
		return fmt.Errorf("feedback: create body %q: %w", b.ID, err)
	}
	return nil
}

// MeetingDraft is what DraftMeeting saves.
type MeetingDraft struct {
	// Meeting is the meeting and its agenda; an empty ID gets a new one.
	// Each item's CommentDeadline, when set, must not be after StartsAt.
	// Its Status is ignored (the store keeps it), so a meeting read from
	// the store can be changed and passed back.
	Meeting adapters.Meeting
	// ExpectedVersion is 0 for a new meeting, else the version read.
	ExpectedVersion int64
}

// DraftMeeting creates or updates a meeting and its agenda. Updating a
// published agenda does not tell anyone: call PublishAgenda, which sends
// AgendaChangedTemplate.
func (s *Meetings) DraftMeeting(ctx context.Context, d MeetingDraft) (adapters.Meeting, error) {
	m := d.Meeting
	m.Status = ""
	if m.ID == "" && d.ExpectedVersion == 0 {
		m.ID = s.ids()
	}
	for _, it := range m.Items {
		if !it.CommentDeadline.IsZero() && it.CommentDeadline.After(m.StartsAt) {
			return adapters.Meeting{}, fmt.Errorf("feedback: draft meeting %q: %w: item %q closes for comment after the meeting starts",
				m.ID, adapters.ErrInvalidArgument, it.ID)
		}
	}
	out, err := s.store.SaveMeeting(ctx, adapters.SaveMeetingParams{Meeting: m, ExpectedVersion: d.ExpectedVersion, At: s.now()})
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("feedback: draft meeting %q: %w", m.ID, err)
	}
	return out, nil
}

// CancelMeeting cancels a meeting, as read at expectedVersion.
func (s *Meetings) CancelMeeting(ctx context.Context, meetingID string, expectedVersion int64) (adapters.Meeting, error) {
	m, err := s.store.GetMeeting(ctx, meetingID)
	if err == nil && m.Version != expectedVersion {
		err = fmt.Errorf("%w: meeting is at version %d, not %d", adapters.ErrConflict, m.Version, expectedVersion)
	}
	if err == nil {
		m.Status = adapters.MeetingCancelled
		m, err = s.store.SaveMeeting(ctx, adapters.SaveMeetingParams{Meeting: m, ExpectedVersion: expectedVersion, At: s.now()})
	}
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("feedback: cancel meeting %q: %w", meetingID, err)
	}
	return m, nil
}

// PublishAgenda publishes a meeting's agenda, as read at expectedVersion,
// and, in the same store call, writes one message to the body's
// subscribers (adapters.SubscribersOf(adapters.BodyTopic(body))):
// AgendaPublishedTemplate the first time, AgendaChangedTemplate after. A
// remote or hybrid meeting needs a RemoteURL, an in-person or hybrid one
// a Location (adapters.ErrInvalidArgument).
func (s *Meetings) PublishAgenda(ctx context.Context, meetingID string, expectedVersion int64) (adapters.Meeting, error) {
	m, err := s.publishAgenda(ctx, meetingID, expectedVersion)
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("feedback: publish agenda of meeting %q: %w", meetingID, err)
	}
	return m, nil
}

func (s *Meetings) publishAgenda(ctx context.Context, meetingID string, expectedVersion int64) (adapters.Meeting, error) {
	m, err := s.store.GetMeeting(ctx, meetingID)
	if err != nil {
		return adapters.Meeting{}, err
	}
	if m.Version != expectedVersion {
		return adapters.Meeting{}, fmt.Errorf("%w: meeting is at version %d, not %d", adapters.ErrConflict, m.Version, expectedVersion)
	}
	if m.Mode != adapters.MeetingInPerson && m.RemoteURL == "" {
		return adapters.Meeting{}, fmt.Errorf("%w: a %s meeting needs a remote URL", adapters.ErrInvalidArgument, m.Mode)
	}
	if m.Mode != adapters.MeetingRemote && m.Location == "" {
		return adapters.Meeting{}, fmt.Errorf("%w: a %s meeting needs a location", adapters.ErrInvalidArgument, m.Mode)
	}
	b, err := s.store.GetBody(ctx, m.BodyID)
	if err != nil {
		return adapters.Meeting{}, err
	}
	loc, err := time.LoadLocation(b.TimeZone)
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("%w: body %q time zone: %w", adapters.ErrInvalidArgument, b.ID, err)
	}
	notice := AgendaNotice{
		Body: b.Name, BodyID: b.ID, Meeting: m.ID, Title: m.Title,
		StartsAt: m.StartsAt.In(loc).Format(time.RFC3339), TimeZone: b.TimeZone,
		Mode: string(m.Mode), Location: m.Location, RemoteURL: m.RemoteURL, AgendaVersion: m.AgendaVersion + 1,
	}
	if s.link != nil {
		notice.Link = s.link(m.ID)
	}
	template := AgendaPublishedTemplate
	if m.AgendaVersion > 0 {
		template = AgendaChangedTemplate
	}
	data, err := json.Marshal(notice)
	if err != nil {
		return adapters.Meeting{}, err
	}
	// One key per agenda version: a publication retried after its answer
	// was lost fails on the version, never announces twice.
	key := "meeting/" + m.ID + "/agenda/" + strconv.Itoa(notice.AgendaVersion)
	now := s.now()
	msg := adapters.Message{
		ID: key, IdempotencyKey: key, Recipient: adapters.SubscribersOf(adapters.BodyTopic(b.ID)),
		Template: template, Data: data, CreatedAt: now,
	}
	return s.store.PublishAgenda(ctx, adapters.PublishAgendaParams{
		MeetingID: m.ID, ExpectedVersion: expectedVersion, At: now, Messages: []adapters.Message{msg},
	})
}

// CommentInput is a resident's written comment.
type CommentInput struct {
	// MeetingID and Item name the agenda item.
	MeetingID, Item string
	// Author and AuthorIssuer identify a signed-in commenter; both may be
	// empty: anyone may comment, under a name.
	Author, AuthorIssuer string
	// Name is the name for the record; required.
	Name string
	// Position is the commenter's stance; empty means neutral.
	Position adapters.CommentPosition
	// Body is the comment, at most adapters.MaxCommentBody bytes once
	// trimmed.
	Body string
}

// SubmitComment records a written comment before the item's deadline.
// Besides the adapters sentinels it returns ErrNameRequired,
// ErrCommentEmpty, ErrCommentTooLong, ErrNotOpen and ErrDeadlinePassed;
// the deadline is checked here and again inside the store's transaction,
// so a comment racing the deadline is refused all the same.
func (s *Meetings) SubmitComment(ctx context.Context, in CommentInput) (adapters.PublicComment, error) {
	c, err := s.submitComment(ctx, in)
	if err != nil {
		return adapters.PublicComment{}, fmt.Errorf("feedback: comment on item %q of meeting %q: %w", in.Item, in.MeetingID, err)
	}
	return c, nil
}

func (s *Meetings) submitComment(ctx context.Context, in CommentInput) (adapters.PublicComment, error) {
	name, body := strings.TrimSpace(in.Name), strings.TrimSpace(in.Body)
	switch {
	case name == "":
		return adapters.PublicComment{}, ErrNameRequired
	case body == "":
		return adapters.PublicComment{}, ErrCommentEmpty
	case len(body) > adapters.MaxCommentBody:
		return adapters.PublicComment{}, ErrCommentTooLong
	case !utf8.ValidString(body) || !utf8.ValidString(name):
		return adapters.PublicComment{}, fmt.Errorf("%w: the comment is not valid UTF-8", adapters.ErrInvalidArgument)
	}
	pos := in.Position
	if pos == "" {
		pos = adapters.PositionNeutral
	}
	now := s.now()
	if err := s.window(ctx, in.MeetingID, in.Item, now, false); err != nil {
		return adapters.PublicComment{}, err
	}
	c, err := s.store.AddPublicComment(ctx, adapters.PublicComment{
		ID: s.ids(), MeetingID: in.MeetingID, Item: in.Item, Author: in.Author, AuthorIssuer: in.AuthorIssuer,
		Name: name, Position: pos, Body: body, SubmittedAt: now,
	})
	return c, windowError(err)
}

// window checks that an item takes comment at now, with this package's
// errors; the store checks again in its transaction.
func (s *Meetings) window(ctx context.Context, meetingID, item string, now time.Time, speaking bool) error {
	m, err := s.store.GetMeeting(ctx, meetingID)
	if err != nil {
		return err
	}
	if m.Status != adapters.MeetingPublished {
		return ErrNotOpen
	}
	for _, it := range m.Items {
		switch {
		case it.ID != item:
			continue
		case speaking && !it.SpeakersAllowed:
			return ErrNoSpeakers
		case !now.Before(it.Deadline(m.StartsAt)):
			return ErrDeadlinePassed
		}
		return nil
	}
	return fmt.Errorf("%w: agenda item %q", adapters.ErrNotFound, item)
}

// windowError marks the store's refusal of a comment that raced its
// deadline with ErrDeadlinePassed, keeping the store's error in the chain.
func windowError(err error) error {
	if de := (*adapters.DeadlineError)(nil); errors.As(err, &de) {
		return fmt.Errorf("%w: %w", ErrDeadlinePassed, err)
	}
	return err
}

// SignupInput is a resident's request to speak.
type SignupInput struct {
	// MeetingID and Item name the agenda item.
	MeetingID, Item string
	// Person is the signed-in speaker's subject; required, since one
	// person speaks once per item.
	Person string
	// Name is the name to call; required.
	Name string
	// Mode is how they will speak.
	Mode adapters.SpeakerMode
}

// SignUp records a request to speak on an item before its deadline.
// Besides the adapters sentinels it returns ErrNameRequired, ErrNotOpen,
// ErrNoSpeakers, ErrDeadlinePassed and ErrAlreadySignedUp.
func (s *Meetings) SignUp(ctx context.Context, in SignupInput) (adapters.SpeakerSignup, error) {
	su, err := s.signUp(ctx, in)
	if err != nil {
		return adapters.SpeakerSignup{}, fmt.Errorf("feedback: sign up to speak on item %q of meeting %q: %w", in.Item, in.MeetingID, err)
	}
	return su, nil
}

func (s *Meetings) signUp(ctx context.Context, in SignupInput) (adapters.SpeakerSignup, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return adapters.SpeakerSignup{}, ErrNameRequired
	}
	now := s.now()
	if err := s.window(ctx, in.MeetingID, in.Item, now, true); err != nil {
		return adapters.SpeakerSignup{}, err
	}
	su := adapters.SpeakerSignup{ID: s.ids(), MeetingID: in.MeetingID, Item: in.Item, Person: in.Person, Name: name, Mode: in.Mode, CreatedAt: now}
	err := s.store.SignUpToSpeak(ctx, su)
	if errors.Is(err, adapters.ErrDuplicate) {
		// Ids are random: the duplicate is the person's other signup.
		return adapters.SpeakerSignup{}, fmt.Errorf("%w: %w", ErrAlreadySignedUp, err)
	}
	if err != nil {
		return adapters.SpeakerSignup{}, windowError(err)
	}
	su.CreatedAt = adapters.StoredTime(now)
	return su, nil
}

// Decision is a moderator's verdict on a comment.
type Decision struct {
	// CommentID names the comment.
	CommentID string
	// Publish true publishes it; false rejects it, with a Reason.
	Publish bool
	// Actor is the moderator's subject.
	Actor string
	// Reason explains the decision; required to reject.
	Reason string
}

// Moderate publishes or rejects a comment; the store keeps every
// decision (adapters.MeetingStore.ListCommentModerations).
func (s *Meetings) Moderate(ctx context.Context, d Decision) (adapters.PublicComment, error) {
	status := adapters.CommentRejected
	if d.Publish {
		status = adapters.CommentPublished
	}
	c, err := s.store.ModeratePublicComment(ctx, adapters.ModerateCommentParams{
		CommentID: d.CommentID, Status: status, Actor: d.Actor, Reason: strings.TrimSpace(d.Reason), At: s.now(),
	})
	if err != nil {
		return adapters.PublicComment{}, fmt.Errorf("feedback: moderate comment %q: %w", d.CommentID, err)
	}
	return c, nil
}

// MaxMinutesComments is the most published comments a Minutes record
// carries.
const MaxMinutesComments = 10_000

// Minutes is a held meeting's public record: its minutes and the written
// comments moderators published, oldest first.
type Minutes struct {
	Meeting  adapters.Meeting
	Comments []adapters.PublicComment
}

// PublishMinutes sets a meeting's minutes, as read at expectedVersion,
// marking it held, and returns the public record with the comments
// moderators published. Comments still awaiting moderation stay out of
// it until published.
func (s *Meetings) PublishMinutes(ctx context.Context, meetingID string, expectedVersion int64, minutes string) (Minutes, error) {
	m, err := s.store.SetMinutes(ctx, adapters.SetMinutesParams{
		MeetingID: meetingID, ExpectedVersion: expectedVersion, Minutes: minutes, At: s.now(),
	})
	if err != nil {
		return Minutes{}, fmt.Errorf("feedback: publish minutes of meeting %q: %w", meetingID, err)
	}
	cs, err := s.PublishedComments(ctx, meetingID)
	if err != nil {
		return Minutes{}, fmt.Errorf("feedback: publish minutes of meeting %q: %w", meetingID, err)
	}
	return Minutes{Meeting: m, Comments: cs}, nil
}

// PublishedComments returns a meeting's published comments, oldest first,
// at most MaxMinutesComments.
func (s *Meetings) PublishedComments(ctx context.Context, meetingID string) ([]adapters.PublicComment, error) {
	var out []adapters.PublicComment
	q := adapters.PublicCommentQuery{MeetingID: meetingID, Status: adapters.CommentPublished, Limit: adapters.MaxPageSize}
	for len(out) < MaxMinutesComments {
		page, err := s.store.ListPublicComments(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Comments...)
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if len(out) > MaxMinutesComments {
		out = out[:MaxMinutesComments]
	}
	return out, nil
}

// MeetingView is a meeting as residents see it: every time in the body's
// zone.
type MeetingView struct {
	Body    adapters.Body
	Meeting adapters.Meeting
	// Location is the body's zone; StartsAt the start in it.
	Location *time.Location
	StartsAt time.Time
	// Items are the agenda items with their deadlines in the zone.
	Items []ItemView
}

// ItemView is an agenda item as residents see it.
type ItemView struct {
	adapters.AgendaItem
	// Deadline is when comment closes (the item's own deadline, or the
	// meeting's start), in the body's zone.
	Deadline time.Time
	// Open reports whether the item takes comment at the view's time.
	Open bool
}

// NewMeetingView presents m, a meeting of b, at time now: its times in
// b's zone, each item open or closed. An unknown zone is
// adapters.ErrInvalidArgument.
func NewMeetingView(b adapters.Body, m adapters.Meeting, now time.Time) (MeetingView, error) {
	loc, err := time.LoadLocation(b.TimeZone)
	if err != nil {
		return MeetingView{}, fmt.Errorf("feedback: view meeting %q: %w: body time zone %q", m.ID, adapters.ErrInvalidArgument, b.TimeZone)
	}
	v := MeetingView{Body: b, Meeting: m, Location: loc, StartsAt: m.StartsAt.In(loc)}
	for _, it := range m.Items {
		d := it.Deadline(m.StartsAt)
		v.Items = append(v.Items, ItemView{
			AgendaItem: it, Deadline: d.In(loc),
			Open: m.Status == adapters.MeetingPublished && now.Before(d),
		})
	}
	return v, nil
}

// View reads a meeting and its body and presents them at the clock's
// time (see NewMeetingView).
func (s *Meetings) View(ctx context.Context, meetingID string) (MeetingView, error) {
	m, err := s.store.GetMeeting(ctx, meetingID)
	var b adapters.Body
	if err == nil {
		b, err = s.store.GetBody(ctx, m.BodyID)
	}
	if err != nil {
		return MeetingView{}, fmt.Errorf("feedback: view meeting %q: %w", meetingID, err)
	}
	return NewMeetingView(b, m, s.now())
}

// LocalDeadline is the instant at hour:minute, wall-clock time in loc, on
// the day daysBefore days before the local date of startsAt: "17:00 the
// day before the meeting" stays 17:00 across a daylight-saving change,
// where subtracting 24 hours would not. A wall time a change skips or
// repeats resolves as time.Date does.
func LocalDeadline(startsAt time.Time, loc *time.Location, daysBefore, hour, minute int) time.Time {
	local := startsAt.In(loc)
	y, mo, d := local.Date()
	return time.Date(y, mo, d-daysBefore, hour, minute, 0, 0, loc)
}
