package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/civickit/civickit/adapters"
)

// meetingState is what the store keeps for adapters.MeetingStore.
type meetingState struct {
	bodies      map[string]adapters.Body
	meetings    map[string]*adapters.Meeting // with their items
	comments    map[string]*adapters.PublicComment
	moderations map[string][]adapters.CommentModeration // by comment id
	signups     map[string]adapters.SpeakerSignup
	speakers    map[string]bool // meeting \x00 item \x00 person
}

func newMeetingState() meetingState {
	return meetingState{
		bodies:      map[string]adapters.Body{},
		meetings:    map[string]*adapters.Meeting{},
		comments:    map[string]*adapters.PublicComment{},
		moderations: map[string][]adapters.CommentModeration{},
		signups:     map[string]adapters.SpeakerSignup{},
		speakers:    map[string]bool{},
	}
}

func copyMeeting(m *adapters.Meeting, items bool) adapters.Meeting {
	out := *m
	out.Items = nil
	if items {
		out.Items = slices.Clone(m.Items)
	}
	return out
}

// PutBody implements adapters.MeetingStore.
func (s *Store) PutBody(ctx context.Context, b adapters.Body) error {
	if err := b.Validate(); err != nil {
		return fmt.Errorf("memory: put body %q: %w", b.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: put body %q: %w", b.ID, err)
	}
	defer s.mu.Unlock()
	s.meetings.bodies[b.ID] = b
	return nil
}

// GetBody implements adapters.MeetingStore.
func (s *Store) GetBody(ctx context.Context, id string) (adapters.Body, error) {
	if err := s.rlock(ctx); err != nil {
		return adapters.Body{}, fmt.Errorf("memory: get body %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	b, ok := s.meetings.bodies[id]
	if !ok {
		return adapters.Body{}, fmt.Errorf("memory: get body %q: %w", id, adapters.ErrNotFound)
	}
	return b, nil
}

// ListBodies implements adapters.MeetingStore.
func (s *Store) ListBodies(ctx context.Context) ([]adapters.Body, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list bodies: %w", err)
	}
	defer s.mu.RUnlock()
	var out []adapters.Body
	for _, b := range s.meetings.bodies {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b adapters.Body) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// SaveMeeting implements adapters.MeetingStore.
func (s *Store) SaveMeeting(ctx context.Context, p adapters.SaveMeetingParams) (adapters.Meeting, error) {
	m, err := s.saveMeeting(ctx, p)
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("memory: save meeting %q: %w", p.Meeting.ID, err)
	}
	return m, nil
}

func (s *Store) saveMeeting(ctx context.Context, p adapters.SaveMeetingParams) (adapters.Meeting, error) {
	if err := p.Validate(); err != nil {
		return adapters.Meeting{}, err
	}
	if err := s.lock(ctx); err != nil {
		return adapters.Meeting{}, err
	}
	defer s.mu.Unlock()
	in := p.Meeting
	if _, ok := s.meetings.bodies[in.BodyID]; !ok {
		return adapters.Meeting{}, fmt.Errorf("%w: body %q", adapters.ErrNotFound, in.BodyID)
	}
	old, exists := s.meetings.meetings[in.ID]
	next := adapters.Meeting{Status: adapters.MeetingDraft, Version: 1}
	switch {
	case p.ExpectedVersion == 0 && exists:
		return adapters.Meeting{}, fmt.Errorf("%w: meeting id already exists", adapters.ErrDuplicate)
	case p.ExpectedVersion > 0 && !exists:
		return adapters.Meeting{}, adapters.ErrNotFound
	case exists && old.Version != p.ExpectedVersion:
		return adapters.Meeting{}, fmt.Errorf("%w: meeting is at version %d, not %d", adapters.ErrConflict, old.Version, p.ExpectedVersion)
	case exists && (old.Status == adapters.MeetingCancelled || old.Status == adapters.MeetingHeld):
		return adapters.Meeting{}, fmt.Errorf("%w: meeting is %s", adapters.ErrInvalidArgument, old.Status)
	case exists:
		next = copyMeeting(old, false)
		next.Version++
	}
	if in.Status != "" {
		next.Status = in.Status
	}
	next.ID, next.BodyID, next.Title, next.StartsAt = in.ID, in.BodyID, in.Title, adapters.StoredTime(in.StartsAt)
	next.Location, next.RemoteURL, next.Mode = in.Location, in.RemoteURL, in.Mode
	next.UpdatedAt = adapters.StoredTime(p.At)
	next.Items = make([]adapters.AgendaItem, len(in.Items))
	for i, it := range in.Items {
		it.MeetingID = in.ID
		it.CommentDeadline = adapters.StoredTime(it.CommentDeadline)
		next.Items[i] = it
	}
	s.meetings.meetings[in.ID] = &next
	return copyMeeting(&next, true), nil
}

// guardMeeting returns the meeting if its version is expected; the caller
// holds the lock.
func (s *Store) guardMeeting(id string, expected int64) (*adapters.Meeting, error) {
	m, ok := s.meetings.meetings[id]
	if !ok {
		return nil, adapters.ErrNotFound
	}
	if m.Version != expected {
		return nil, fmt.Errorf("%w: meeting is at version %d, not %d", adapters.ErrConflict, m.Version, expected)
	}
	return m, nil
}

// PublishAgenda implements adapters.MeetingStore.
func (s *Store) PublishAgenda(ctx context.Context, p adapters.PublishAgendaParams) (adapters.Meeting, error) {
	m, err := s.publishAgenda(ctx, p)
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("memory: publish agenda of meeting %q: %w", p.MeetingID, err)
	}
	return m, nil
}

func (s *Store) publishAgenda(ctx context.Context, p adapters.PublishAgendaParams) (adapters.Meeting, error) {
	if err := p.Validate(); err != nil {
		return adapters.Meeting{}, err
	}
	if err := s.lock(ctx); err != nil {
		return adapters.Meeting{}, err
	}
	defer s.mu.Unlock()
	m, err := s.guardMeeting(p.MeetingID, p.ExpectedVersion)
	if err != nil {
		return adapters.Meeting{}, err
	}
	if m.Status == adapters.MeetingCancelled || m.Status == adapters.MeetingHeld {
		return adapters.Meeting{}, fmt.Errorf("%w: meeting is %s", adapters.ErrInvalidArgument, m.Status)
	}
	if len(m.Items) == 0 {
		return adapters.Meeting{}, fmt.Errorf("%w: the agenda has no item", adapters.ErrInvalidArgument)
	}
	// The path of EnqueueMessages, so that whatever it does to messages
	// (addressing a topic's subscribers) it does here too.
	if err := s.enqueueLocked(p.Messages); err != nil {
		return adapters.Meeting{}, err
	}
	at := adapters.StoredTime(p.At)
	m.Status, m.AgendaVersion, m.Version, m.PublishedAt, m.UpdatedAt = adapters.MeetingPublished, m.AgendaVersion+1, m.Version+1, at, at
	return copyMeeting(m, true), nil
}

// GetMeeting implements adapters.MeetingStore.
func (s *Store) GetMeeting(ctx context.Context, id string) (adapters.Meeting, error) {
	if err := s.rlock(ctx); err != nil {
		return adapters.Meeting{}, fmt.Errorf("memory: get meeting %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	m, ok := s.meetings.meetings[id]
	if !ok {
		return adapters.Meeting{}, fmt.Errorf("memory: get meeting %q: %w", id, adapters.ErrNotFound)
	}
	return copyMeeting(m, true), nil
}

func afterKey(key time.Time, id string, pos adapters.CursorPosition) bool {
	if pos.ID == "" {
		return true
	}
	if c := key.Compare(pos.Key); c != 0 {
		return c > 0
	}
	return id > pos.ID
}

// ListMeetings implements adapters.MeetingStore.
func (s *Store) ListMeetings(ctx context.Context, q adapters.MeetingQuery) (adapters.MeetingPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.MeetingPage{}, fmt.Errorf("memory: list meetings of body %q: %w", q.BodyID, err)
	}
	pos, _ := q.DecodeCursor()
	if err := s.rlock(ctx); err != nil {
		return adapters.MeetingPage{}, fmt.Errorf("memory: list meetings of body %q: %w", q.BodyID, err)
	}
	defer s.mu.RUnlock()
	from, to := adapters.StoredTime(q.From), adapters.StoredTime(q.To)
	var hits []adapters.Meeting
	for _, m := range s.meetings.meetings {
		if m.BodyID != q.BodyID || (!from.IsZero() && m.StartsAt.Before(from)) || (!to.IsZero() && !m.StartsAt.Before(to)) ||
			!afterKey(m.StartsAt, m.ID, pos) {
			continue
		}
		hits = append(hits, copyMeeting(m, false))
	}
	slices.SortFunc(hits, func(a, b adapters.Meeting) int {
		if c := a.StartsAt.Compare(b.StartsAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	var page adapters.MeetingPage
	if n := q.PageSize(); len(hits) > n {
		hits = hits[:n]
		page.NextCursor = q.NextCursor(hits[n-1])
	}
	page.Meetings = hits
	return page, nil
}

// SetMinutes implements adapters.MeetingStore.
func (s *Store) SetMinutes(ctx context.Context, p adapters.SetMinutesParams) (adapters.Meeting, error) {
	m, err := s.setMinutes(ctx, p)
	if err != nil {
		return adapters.Meeting{}, fmt.Errorf("memory: set minutes of meeting %q: %w", p.MeetingID, err)
	}
	return m, nil
}

func (s *Store) setMinutes(ctx context.Context, p adapters.SetMinutesParams) (adapters.Meeting, error) {
	if err := p.Validate(); err != nil {
		return adapters.Meeting{}, err
	}
	if err := s.lock(ctx); err != nil {
		return adapters.Meeting{}, err
	}
	defer s.mu.Unlock()
	m, err := s.guardMeeting(p.MeetingID, p.ExpectedVersion)
	if err != nil {
		return adapters.Meeting{}, err
	}
	if m.Status != adapters.MeetingPublished && m.Status != adapters.MeetingHeld {
		return adapters.Meeting{}, fmt.Errorf("%w: a %s meeting takes no minutes", adapters.ErrInvalidArgument, m.Status)
	}
	m.Minutes, m.Status, m.Version, m.UpdatedAt = p.Minutes, adapters.MeetingHeld, m.Version+1, adapters.StoredTime(p.At)
	return copyMeeting(m, true), nil
}

// AddPublicComment implements adapters.MeetingStore.
func (s *Store) AddPublicComment(ctx context.Context, c adapters.PublicComment) (adapters.PublicComment, error) {
	out, err := s.addPublicComment(ctx, c)
	if err != nil {
		return adapters.PublicComment{}, fmt.Errorf("memory: add comment %q on item %q of meeting %q: %w", c.ID, c.Item, c.MeetingID, err)
	}
	return out, nil
}

func (s *Store) addPublicComment(ctx context.Context, c adapters.PublicComment) (adapters.PublicComment, error) {
	if err := c.Validate(); err != nil {
		return adapters.PublicComment{}, err
	}
	if err := s.lock(ctx); err != nil {
		return adapters.PublicComment{}, err
	}
	defer s.mu.Unlock()
	if err := s.commentWindow(c.MeetingID, c.Item, c.SubmittedAt, false); err != nil {
		return adapters.PublicComment{}, err
	}
	if _, ok := s.meetings.comments[c.ID]; ok {
		return adapters.PublicComment{}, fmt.Errorf("%w: comment id already exists", adapters.ErrDuplicate)
	}
	c.Status, c.ModeratedBy, c.Reason, c.ModeratedAt = adapters.CommentReceived, "", "", time.Time{}
	c.SubmittedAt = adapters.StoredTime(c.SubmittedAt)
	s.meetings.comments[c.ID] = &c
	return c, nil
}

// commentWindow checks that an item takes comment at at; the caller holds
// the lock.
func (s *Store) commentWindow(meetingID, item string, at time.Time, speaking bool) error {
	m, ok := s.meetings.meetings[meetingID]
	if !ok {
		return fmt.Errorf("%w: meeting %q", adapters.ErrNotFound, meetingID)
	}
	return adapters.CheckCommentWindow(*m, item, at, speaking)
}

// ModeratePublicComment implements adapters.MeetingStore.
func (s *Store) ModeratePublicComment(ctx context.Context, p adapters.ModerateCommentParams) (adapters.PublicComment, error) {
	if err := p.Validate(); err != nil {
		return adapters.PublicComment{}, fmt.Errorf("memory: moderate comment %q: %w", p.CommentID, err)
	}
	if err := s.lock(ctx); err != nil {
		return adapters.PublicComment{}, fmt.Errorf("memory: moderate comment %q: %w", p.CommentID, err)
	}
	defer s.mu.Unlock()
	c, ok := s.meetings.comments[p.CommentID]
	if !ok {
		return adapters.PublicComment{}, fmt.Errorf("memory: moderate comment %q: %w", p.CommentID, adapters.ErrNotFound)
	}
	at := adapters.StoredTime(p.At)
	c.Status, c.ModeratedBy, c.Reason, c.ModeratedAt = p.Status, p.Actor, p.Reason, at
	s.meetings.moderations[c.ID] = append(s.meetings.moderations[c.ID],
		adapters.CommentModeration{CommentID: c.ID, Status: p.Status, Actor: p.Actor, Reason: p.Reason, At: at})
	return *c, nil
}

// ListPublicComments implements adapters.MeetingStore.
func (s *Store) ListPublicComments(ctx context.Context, q adapters.PublicCommentQuery) (adapters.PublicCommentPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.PublicCommentPage{}, fmt.Errorf("memory: list comments of meeting %q: %w", q.MeetingID, err)
	}
	pos, _ := q.DecodeCursor()
	if err := s.rlock(ctx); err != nil {
		return adapters.PublicCommentPage{}, fmt.Errorf("memory: list comments of meeting %q: %w", q.MeetingID, err)
	}
	defer s.mu.RUnlock()
	var hits []adapters.PublicComment
	for _, c := range s.meetings.comments {
		if c.MeetingID != q.MeetingID || (q.Item != "" && c.Item != q.Item) || (q.Status != "" && c.Status != q.Status) ||
			!afterKey(c.SubmittedAt, c.ID, pos) {
			continue
		}
		hits = append(hits, *c)
	}
	slices.SortFunc(hits, func(a, b adapters.PublicComment) int {
		if c := a.SubmittedAt.Compare(b.SubmittedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	var page adapters.PublicCommentPage
	if n := q.PageSize(); len(hits) > n {
		hits = hits[:n]
		page.NextCursor = q.NextCursor(hits[n-1])
	}
	page.Comments = hits
	return page, nil
}

// ListCommentModerations implements adapters.MeetingStore.
func (s *Store) ListCommentModerations(ctx context.Context, commentID string) ([]adapters.CommentModeration, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list moderations of comment %q: %w", commentID, err)
	}
	defer s.mu.RUnlock()
	return slices.Clone(s.meetings.moderations[commentID]), nil
}

// SignUpToSpeak implements adapters.MeetingStore.
func (s *Store) SignUpToSpeak(ctx context.Context, su adapters.SpeakerSignup) error {
	if err := s.signUp(ctx, su); err != nil {
		return fmt.Errorf("memory: sign %q up to speak on item %q of meeting %q: %w", su.ID, su.Item, su.MeetingID, err)
	}
	return nil
}

func (s *Store) signUp(ctx context.Context, su adapters.SpeakerSignup) error {
	if err := su.Validate(); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := s.commentWindow(su.MeetingID, su.Item, su.CreatedAt, true); err != nil {
		return err
	}
	key := su.MeetingID + "\x00" + su.Item + "\x00" + su.Person
	if s.meetings.speakers[key] {
		return fmt.Errorf("%w: the person is already signed up to speak on the item", adapters.ErrDuplicate)
	}
	if _, ok := s.meetings.signups[su.ID]; ok {
		return fmt.Errorf("%w: signup id already exists", adapters.ErrDuplicate)
	}
	su.CreatedAt = adapters.StoredTime(su.CreatedAt)
	s.meetings.signups[su.ID] = su
	s.meetings.speakers[key] = true
	return nil
}

// ListSpeakers implements adapters.MeetingStore.
func (s *Store) ListSpeakers(ctx context.Context, meetingID, item string) ([]adapters.SpeakerSignup, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list speakers of meeting %q: %w", meetingID, err)
	}
	defer s.mu.RUnlock()
	var out []adapters.SpeakerSignup
	for _, su := range s.meetings.signups {
		if su.MeetingID == meetingID && (item == "" || su.Item == item) {
			out = append(out, su)
		}
	}
	slices.SortFunc(out, func(a, b adapters.SpeakerSignup) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if len(out) > adapters.MaxSpeakers {
		out = out[:adapters.MaxSpeakers]
	}
	return out, nil
}
