package adapters_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

func TestStoredTime(t *testing.T) {
	t.Parallel()
	in := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600))
	got := adapters.StoredTime(in)
	assert.Equal(t, time.UTC, got.Location())
	assert.Equal(t, 123456000, got.Nanosecond())
	assert.True(t, got.Equal(in.Truncate(time.Microsecond)))
	assert.True(t, adapters.StoredTime(time.Time{}).IsZero(), "zero stays zero")
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, order := range []adapters.Order{adapters.OrderOpened, adapters.OrderDue} {
		q := adapters.CaseQuery{Order: order}
		q.Cursor = q.NextCursor(adapters.Case{ID: "c-9", CreatedAt: at, Due: at.Add(time.Hour)})
		pos, err := q.DecodeCursor()
		require.NoError(t, err)
		assert.Equal(t, "c-9", pos.ID)
		want := at
		if order == adapters.OrderDue {
			want = at.Add(time.Hour)
		}
		assert.True(t, pos.Key.Equal(want), "order %s: key %v, want %v", order, pos.Key, want)
		require.NoError(t, q.Validate())
	}
}

func TestValidateGathersEveryProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   error
		wants []string
	}{
		{"CreateCaseEmpty", adapters.CreateCaseParams{}.Validate(), []string{"case id is empty", "case type is empty", "case state is empty", "created time is zero", "no events"}},
		{"TransitionEmpty", adapters.TransitionParams{}.Validate(), []string{"case id is empty", "expected version 0", "state is empty", "transition time is zero", "no events"}},
		{"TransitionBadParts", adapters.TransitionParams{
			CaseID: "c", ExpectedVersion: 1, State: "s", At: time.Now(),
			Events:       []adapters.Event{{Kind: "k", At: time.Now(), Payload: []byte("{")}},
			Messages:     []adapters.Message{{ID: "m", IdempotencyKey: "k", CreatedAt: time.Now()}, {ID: "m", IdempotencyKey: "k2", CreatedAt: time.Now(), Data: []byte("[")}},
			SetTimers:    []adapters.Timer{{Name: "t", DueAt: time.Now(), Trigger: "x"}, {Name: "t", DueAt: time.Now(), Trigger: "x"}},
			CancelTimers: []string{""},
		}.Validate(), []string{"event 0 payload", "message 1 repeats", "message 1 data", `timer "t" set twice`, "cancelled timer 0"}},
		{"QueryPage", adapters.CaseQuery{Limit: -1, Order: "x"}.Validate(), []string{"negative", `unknown order "x"`}},
		{"Claim", adapters.ClaimParams{}.Validate(), []string{"owner is empty", "limit 0", "claim time is zero", "lease 0s"}},
		{"Mark", adapters.MarkParams{Status: adapters.MessagePending}.Validate(), []string{"message id is empty", "owner is empty", "retry time is zero", "mark time is zero"}},
		{"Draft", adapters.Draft{Data: []byte("{")}.Validate(), []string{"token hash is empty", "form id is empty", "expiry", "draft data"}},
		{"SubmissionFiles", withFiles(
			adapters.FileRef{},
			adapters.FileRef{ID: "a", Field: "f", Type: "image/png", Size: -1, SHA256: strings.Repeat("A", 64)},
			adapters.FileRef{ID: "a", Field: "f", Type: "image/png", SHA256: strings.Repeat("0", 63) + "g"},
		).Validate(), []string{"file 0 id is empty", "file 0 field is empty", "file 0 media type is empty", "file 0 SHA-256",
			"file 1 size -1 is negative", "file 1 SHA-256", "file 2 SHA-256", `file 2 repeats attachment "a"`}},
		{"FilesWithoutSubmission", adapters.CreateCaseParams{Submission: adapters.Submission{Files: []adapters.FileRef{okFile("a")}}}.Validate(),
			[]string{"submission files without a submission id"}},
		{"Attachment", adapters.Attachment{CaseID: "c", Status: "infected"}.Validate(),
			[]string{"attachment id is empty", "linked to a case", `status "infected" is unknown`, "blob key is empty", "created time is zero"}},
		{"AttachmentUpdate", adapters.AttachmentUpdate{}.Validate(), []string{"attachment id is empty", `status "" is unknown`, "update time is zero"}},
		{"AttachmentListing", adapters.ValidateAttachmentListing(adapters.MaxPageSize + 1), []string{"limit 501 is outside 1..500"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Error(t, tt.err)
			assert.True(t, errors.Is(tt.err, adapters.ErrInvalidArgument))
			for _, w := range tt.wants {
				assert.Contains(t, tt.err.Error(), w)
			}
		})
	}
}

func okFile(id string) adapters.FileRef {
	return adapters.FileRef{ID: id, Field: "photos", Name: "a.png", Type: "image/png", Size: 3, SHA256: strings.Repeat("0a", 32)}
}

func withFiles(files ...adapters.FileRef) adapters.CreateCaseParams {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return adapters.CreateCaseParams{
		Case:       adapters.Case{ID: "c", Type: "t", State: "s", CreatedAt: at},
		Submission: adapters.Submission{ID: "s", FormID: "f", Files: files},
		Events:     []adapters.Event{{Kind: "opened", At: at}},
	}
}

func TestValidFilesPass(t *testing.T) {
	t.Parallel()
	require.NoError(t, withFiles(okFile("a"), okFile("b")).Validate())
	a := adapters.Attachment{FileRef: okFile("a"), Key: "k", CreatedAt: time.Now()}
	require.NoError(t, a.Validate(), "an empty status is allowed: the store makes it quarantined")
	require.NoError(t, adapters.ValidateAttachmentListing(1))
	require.NoError(t, adapters.ValidateAttachmentListing(adapters.MaxPageSize))
}

// The files a submission names are part of a CreateCase request, order
// included.
func TestCreateFingerprintCoversFiles(t *testing.T) {
	t.Parallel()
	p := withFiles(okFile("a"), okFile("b"))
	want := p.Fingerprint()
	tests := []struct {
		name   string
		mutate func(p *adapters.CreateCaseParams)
	}{
		{"no files", func(p *adapters.CreateCaseParams) { p.Submission.Files = nil }},
		{"order", func(p *adapters.CreateCaseParams) { p.Submission.Files = []adapters.FileRef{okFile("b"), okFile("a")} }},
		{"id", func(p *adapters.CreateCaseParams) { p.Submission.Files[1].ID = "c" }},
		{"field", func(p *adapters.CreateCaseParams) { p.Submission.Files[0].Field = "proof" }},
		{"digest", func(p *adapters.CreateCaseParams) { p.Submission.Files[0].SHA256 = strings.Repeat("0b", 32) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := withFiles(okFile("a"), okFile("b"))
			tt.mutate(&q)
			assert.NotEqual(t, want, q.Fingerprint())
		})
	}
	assert.Equal(t, want, withFiles(okFile("a"), okFile("b")).Fingerprint(), "the same files are the same request")
}

func TestFingerprintSeparatesRequests(t *testing.T) {
	t.Parallel()
	p := adapters.TransitionParams{CaseID: "c", ExpectedVersion: 1, State: "s", Events: []adapters.Event{{Kind: "transition", Trigger: "go"}}}
	q := p
	q.At = time.Now() // the time of a retry differs; it is the same request
	assert.Equal(t, p.Fingerprint(), q.Fingerprint())
	q.Events = []adapters.Event{{Kind: "transition", Trigger: "stop"}}
	assert.NotEqual(t, p.Fingerprint(), q.Fingerprint())
	q = p
	q.ExpectedVersion = 2
	assert.NotEqual(t, p.Fingerprint(), q.Fingerprint())
}

// Every field a caller chooses is part of the request: reusing a key with
// any of them changed is another request.
func TestFingerprintCoversEveryField(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	who, team, yes := "staff-1", "roads", true
	base := func() adapters.TransitionParams {
		return adapters.TransitionParams{
			CaseID: "c", ExpectedVersion: 1, State: "s", At: at,
			Update:       adapters.CaseUpdate{Team: &team, Assignee: &who, Due: &at, Data: json.RawMessage(`{"a":1}`), Closed: &yes},
			Events:       []adapters.Event{{Kind: "transition", FromState: "r", ToState: "s", Trigger: "go", Actor: "staff-1", At: at, Comment: "ok", Payload: json.RawMessage(`{"p":1}`)}},
			Messages:     []adapters.Message{{ID: "m", IdempotencyKey: "m", Channel: "email", Recipient: "a@b", Template: "t", Locale: "en", Data: json.RawMessage(`{"d":1}`), CreatedAt: at, NextAttemptAt: at}},
			SetTimers:    []adapters.Timer{{Name: "sla", DueAt: at, Trigger: "escalate"}},
			CancelTimers: []string{"old"},
		}
	}
	other, later := "staff-2", at.Add(time.Hour)
	tests := []struct {
		name   string
		mutate func(p *adapters.TransitionParams)
	}{
		{"case", func(p *adapters.TransitionParams) { p.CaseID = "d" }},
		{"state", func(p *adapters.TransitionParams) { p.State = "t" }},
		{"assignee", func(p *adapters.TransitionParams) { p.Update.Assignee = &other }},
		{"team cleared", func(p *adapters.TransitionParams) { p.Update.Team = nil }},
		{"due", func(p *adapters.TransitionParams) { p.Update.Due = &later }},
		{"data", func(p *adapters.TransitionParams) { p.Update.Data = json.RawMessage(`{"a":2}`) }},
		{"closed", func(p *adapters.TransitionParams) { p.Update.Closed = nil }},
		{"event actor", func(p *adapters.TransitionParams) { p.Events[0].Actor = "staff-2" }},
		{"event comment", func(p *adapters.TransitionParams) { p.Events[0].Comment = "no" }},
		{"event payload", func(p *adapters.TransitionParams) { p.Events[0].Payload = json.RawMessage(`{"p":2}`) }},
		{"event from state", func(p *adapters.TransitionParams) { p.Events[0].FromState = "q" }},
		{"message recipient", func(p *adapters.TransitionParams) { p.Messages[0].Recipient = "c@d" }},
		{"message data", func(p *adapters.TransitionParams) { p.Messages[0].Data = json.RawMessage(`{"d":2}`) }},
		{"no message", func(p *adapters.TransitionParams) { p.Messages = nil }},
		{"timer due", func(p *adapters.TransitionParams) { p.SetTimers[0].DueAt = later }},
		{"timer trigger", func(p *adapters.TransitionParams) { p.SetTimers[0].Trigger = "close" }},
		{"cancelled timers", func(p *adapters.TransitionParams) { p.CancelTimers = nil }},
	}
	want := base().Fingerprint()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base()
			tt.mutate(&p)
			assert.NotEqual(t, want, p.Fingerprint())
		})
	}
	restamped := base()
	restamped.At, restamped.Events[0].At, restamped.Messages[0].CreatedAt = later, later, later
	assert.Equal(t, want, restamped.Fingerprint(), "a retry stamped with a later clock is the same request")
}

func FuzzDecodeCursor(f *testing.F) {
	q := adapters.CaseQuery{}
	f.Add(q.NextCursor(adapters.Case{ID: "c", CreatedAt: time.Unix(1, 0)}))
	f.Add("")
	f.Add("%%%")
	f.Add(strings.Repeat("A", 100))
	f.Fuzz(func(t *testing.T, cursor string) {
		q := adapters.CaseQuery{Cursor: cursor}
		pos, err := q.DecodeCursor()
		if err != nil {
			if !errors.Is(err, adapters.ErrInvalidArgument) {
				t.Fatalf("a bad cursor is ErrInvalidArgument, got %v", err)
			}
			return
		}
		if cursor != "" && pos.ID == "" {
			t.Fatal("a decoded cursor names a case")
		}
	})
}
