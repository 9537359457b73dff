package adaptertest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var commentClauses = []clause{
	{"AddCommentRoundTripsEveryField", testCommentRoundTrip},
	{"AddCommentTwiceReturnsErrDuplicate", testCommentDuplicate},
	{"MissingCommentReturnsErrNotFound", testCommentMissing},
	{"InvalidOrOversizedCommentsReturnErrInvalidArgumentAndWriteNothing", testCommentInvalid},
	{"SameProviderIDTwiceAddsOneComment", testCommentProviderID},
	{"ListCommentsPagesOldestFirstWithoutSkipOrRepeatWhileCommentsAreAdded", testCommentPagination},
	{"ListCommentsLeavesOutInternalHiddenAndDeletedUnlessAsked", testCommentVisibility},
	{"EditCommentKeepsItsHistory", testCommentEdit},
	{"StaleEditReturnsErrConflictAndWritesNothing", testCommentStaleEdit},
	{"DeleteCommentIsSoftAndFinal", testCommentDelete},
	{"OneFlagPerFlaggerUnder32ConcurrentAttempts", testCommentFlagRace},
	{"HideAndRestoreWriteTheAuditTrail", testCommentHide},
	{"HeldCommentWaitsInTheModerationQueue", testCommentHeld},
	{"ListFlaggedPagesTheQueueOldestFirst", testCommentQueue},
	{"CountCommentsByCountsAnAuthorsCommentsSinceATime", testCommentCount},
}

var commentThread = adapters.CaseTopic("case-1")

// comment is a valid public web comment on commentThread, created at at.
func webComment(id string, at time.Time) adapters.Comment {
	return adapters.Comment{
		ID: id, Thread: commentThread, Visibility: adapters.VisibilityPublic,
		Author: "resident-1", AuthorIssuer: "https://login.example.gov", AuthorName: "Ana",
		Via: "web", Body: "The pothole on Elm St. is back: " + id, CreatedAt: at,
	}
}

func addComments(t *testing.T, s adapters.Store, cs ...adapters.Comment) []adapters.Comment {
	t.Helper()
	out := make([]adapters.Comment, len(cs))
	for i, c := range cs {
		var err error
		out[i], err = s.AddComment(ctxFor(t), c)
		must(t, err, "AddComment "+c.ID)
	}
	return out
}

func checkComment(t *testing.T, got, want adapters.Comment, rule string) {
	t.Helper()
	sameString(t, got.ID, want.ID, rule+": ID")
	sameString(t, string(got.Thread), string(want.Thread), rule+": Thread")
	sameString(t, string(got.Visibility), string(want.Visibility), rule+": Visibility")
	sameString(t, got.Author, want.Author, rule+": Author")
	sameString(t, got.AuthorIssuer, want.AuthorIssuer, rule+": AuthorIssuer")
	sameString(t, got.AuthorName, want.AuthorName, rule+": AuthorName")
	sameString(t, got.Via, want.Via, rule+": Via")
	sameString(t, got.ProviderID, want.ProviderID, rule+": ProviderID")
	sameString(t, got.Body, want.Body, rule+": Body")
	sameTime(t, got.CreatedAt, want.CreatedAt, rule+": CreatedAt")
	sameTime(t, got.EditedAt, want.EditedAt, rule+": EditedAt")
	sameInt(t, got.Revisions, want.Revisions, rule+": Revisions")
	sameTime(t, got.DeletedAt, want.DeletedAt, rule+": DeletedAt")
	sameString(t, got.DeletedBy, want.DeletedBy, rule+": DeletedBy")
	sameString(t, got.DeleteReason, want.DeleteReason, rule+": DeleteReason")
	sameTime(t, got.HiddenAt, want.HiddenAt, rule+": HiddenAt")
	sameString(t, got.HiddenBy, want.HiddenBy, rule+": HiddenBy")
	sameString(t, got.HiddenReason, want.HiddenReason, rule+": HiddenReason")
	sameInt(t, got.Flags, want.Flags, rule+": Flags")
	sameTime(t, got.FlaggedAt, want.FlaggedAt, rule+": FlaggedAt")
	sameInt(t, got.Version, want.Version, rule+": Version")
}

func commentIDs(cs []adapters.Comment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func sameCommentIDs(t *testing.T, got []adapters.Comment, want []string, rule string) {
	t.Helper()
	if g := commentIDs(got); fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("%s: got %v, want %v", rule, g, want)
	}
}

func listComments(t *testing.T, s adapters.Store, q adapters.CommentQuery) []adapters.Comment {
	t.Helper()
	p, err := s.ListComments(ctxFor(t), q)
	must(t, err, "ListComments")
	return p.Comments
}

func moderationOf(t *testing.T, s adapters.Store, q adapters.ModerationQuery) []adapters.ModerationAction {
	t.Helper()
	as, err := s.ListModeration(ctxFor(t), q)
	must(t, err, "ListModeration")
	return as
}

func testCommentRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	c := webComment("cm-1", base)
	c.Thread, c.Visibility = adapters.AgendaTopic("council-2026-03", "4b"), adapters.VisibilityInternal
	c.Via, c.ProviderID, c.Body = "sms", "SM0123456789", "Ñandú «quoted» 🚧\nsecond line"
	want := c
	want.Version = 1
	got, err := s.AddComment(ctx, c)
	must(t, err, "AddComment")
	checkComment(t, got, want, "AddComment returns the comment as stored")
	got, err = s.GetComment(ctx, "cm-1")
	must(t, err, "GetComment")
	checkComment(t, got, want, "GetComment round-trips every field")
}

func testCommentDuplicate(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	addComments(t, s, webComment("cm-1", base))
	other := webComment("cm-1", base.Add(time.Minute))
	other.Body = "another body"
	_, err := s.AddComment(ctx, other)
	wantErr(t, err, adapters.ErrDuplicate, "a comment id in use returns ErrDuplicate")
	got, err := s.GetComment(ctx, "cm-1")
	must(t, err, "GetComment")
	sameString(t, got.Body, webComment("cm-1", base).Body, "a duplicate writes nothing")
}

func testCommentMissing(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.GetComment(ctx, "nope")
	wantErr(t, err, adapters.ErrNotFound, "GetComment of an unknown id")
	_, err = s.ListRevisions(ctx, "nope")
	wantErr(t, err, adapters.ErrNotFound, "ListRevisions of an unknown comment")
	_, err = s.EditComment(ctx, adapters.EditParams{ID: "nope", ExpectedVersion: 1, Body: "x", Editor: "a", At: base})
	wantErr(t, err, adapters.ErrNotFound, "EditComment of an unknown comment")
	_, err = s.DeleteComment(ctx, adapters.DeleteParams{ID: "nope", Actor: "a", Reason: "r", At: base})
	wantErr(t, err, adapters.ErrNotFound, "DeleteComment of an unknown comment")
	_, err = s.FlagComment(ctx, adapters.FlagParams{ID: "nope", Flagger: "a", Reason: "r", At: base})
	wantErr(t, err, adapters.ErrNotFound, "FlagComment of an unknown comment")
	_, err = s.SetCommentHidden(ctx, adapters.HideParams{ID: "nope", Hidden: true, Actor: "a", Reason: "r", At: base})
	wantErr(t, err, adapters.ErrNotFound, "SetCommentHidden of an unknown comment")
}

func testCommentInvalid(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	addComments(t, s, webComment("cm-0", base))
	long := strings.Repeat("é", adapters.MaxCommentRunes+1)
	cases := []struct {
		name string
		edit func(c *adapters.Comment)
	}{
		{"BodyOverTheRuneLimit", func(c *adapters.Comment) { c.Body = long }},
		{"EmptyBody", func(c *adapters.Comment) { c.Body = " \n\t" }},
		{"BodyNotUTF8", func(c *adapters.Comment) { c.Body = "a\xffb" }},
		{"EmptyID", func(c *adapters.Comment) { c.ID = "" }},
		{"ThreadNotATopic", func(c *adapters.Comment) { c.Thread = "elm-street" }},
		{"UnknownVisibility", func(c *adapters.Comment) { c.Visibility = "friends" }},
		{"AnonymousAuthor", func(c *adapters.Comment) { c.Author = "" }},
		{"AuthorNameOverTheLimit", func(c *adapters.Comment) { c.AuthorName = strings.Repeat("n", adapters.MaxAuthorNameRunes+1) }},
		{"ProviderIDWithoutChannel", func(c *adapters.Comment) { c.Via, c.ProviderID = "", "SM1" }},
		{"HiddenWithoutReason", func(c *adapters.Comment) { c.HiddenAt, c.HiddenBy = base, "check" }},
		{"ZeroTime", func(c *adapters.Comment) { c.CreatedAt = time.Time{} }},
	}
	for i, tc := range cases {
		c := webComment(fmt.Sprintf("cm-bad-%d", i), base)
		tc.edit(&c)
		_, err := s.AddComment(ctx, c)
		wantErr(t, err, adapters.ErrInvalidArgument, "AddComment with "+tc.name)
	}
	good := adapters.EditParams{ID: "cm-0", ExpectedVersion: 1, Body: "ok", Editor: "resident-1", At: base}
	tooLong := good
	tooLong.Body = long
	_, err := s.EditComment(ctx, tooLong)
	wantErr(t, err, adapters.ErrInvalidArgument, "EditComment with a body over the rune limit")
	_, err = s.FlagComment(ctx, adapters.FlagParams{ID: "cm-0", Flagger: "f", Reason: strings.Repeat("r", adapters.MaxReasonRunes+1), At: base})
	wantErr(t, err, adapters.ErrInvalidArgument, "FlagComment with a reason over the limit")
	_, err = s.DeleteComment(ctx, adapters.DeleteParams{ID: "cm-0", Actor: "a", At: base})
	wantErr(t, err, adapters.ErrInvalidArgument, "DeleteComment without a reason")
	_, err = s.SetCommentHidden(ctx, adapters.HideParams{ID: "cm-0", Hidden: true, Actor: "m", At: base})
	wantErr(t, err, adapters.ErrInvalidArgument, "SetCommentHidden without a reason")
	_, err = s.ListComments(ctx, adapters.CommentQuery{Thread: commentThread, Limit: adapters.MaxPageSize + 1})
	wantErr(t, err, adapters.ErrInvalidArgument, "ListComments above the page size")
	_, err = s.ListComments(ctx, adapters.CommentQuery{Thread: commentThread, Cursor: adapters.FlaggedQuery{}.NextCursor(webComment("x", base))})
	wantErr(t, err, adapters.ErrInvalidArgument, "ListComments with the cursor of another listing")

	got := listComments(t, s, adapters.CommentQuery{Thread: commentThread, IncludeInternal: true, IncludeHidden: true, IncludeDeleted: true})
	sameCommentIDs(t, got, []string{"cm-0"}, "refused comments write nothing")
	c, err := s.GetComment(ctx, "cm-0")
	must(t, err, "GetComment")
	want := webComment("cm-0", base)
	want.Version = 1
	checkComment(t, c, want, "refused edits, flags, deletes and hides write nothing")
	if as := moderationOf(t, s, adapters.ModerationQuery{CommentID: "cm-0"}); len(as) != 0 {
		t.Errorf("refused writes leave no moderation record, got %+v", as)
	}
}

func testCommentProviderID(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	c := webComment("cm-1", base)
	c.Via, c.ProviderID, c.Author, c.AuthorIssuer = "sms", "SM42", "sms:+15551234567", ""
	first, err := s.AddComment(ctx, c)
	must(t, err, "AddComment")
	again := c
	again.ID, again.CreatedAt = "cm-2", base.Add(time.Minute)
	got, err := s.AddComment(ctx, again)
	must(t, err, "a redelivered reply (same Via and ProviderID) is not an error")
	checkComment(t, got, first, "a redelivered reply returns the first comment")
	elsewhere := again
	elsewhere.ID, elsewhere.Thread = "cm-3", adapters.CaseTopic("case-2")
	_, err = s.AddComment(ctx, elsewhere)
	wantErr(t, err, adapters.ErrDuplicate, "a provider id used on another commentThread returns ErrDuplicate")
	otherChannel := again
	otherChannel.ID, otherChannel.Via = "cm-4", "email"
	addComments(t, s, otherChannel)
	got2 := listComments(t, s, adapters.CommentQuery{Thread: commentThread})
	sameCommentIDs(t, got2, []string{"cm-1", "cm-4"}, "one comment per channel and provider id")
}

func testCommentPagination(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	var want []string
	for i := range 7 {
		c := webComment(fmt.Sprintf("cm-%02d", i), base.Add(time.Duration(i/2)*time.Second)) // ties broken by id
		addComments(t, s, c)
		want = append(want, c.ID)
	}
	var seen []string
	q := adapters.CommentQuery{Thread: commentThread, Limit: 3}
	for page := 0; ; page++ {
		p, err := s.ListComments(ctx, q)
		must(t, err, "ListComments")
		if len(p.Comments) > 3 {
			t.Fatalf("a page holds at most Limit comments, got %d", len(p.Comments))
		}
		seen = append(seen, commentIDs(p.Comments)...)
		// Residents keep writing while someone pages.
		c := webComment(fmt.Sprintf("cm-new-%d", page), base.Add(time.Hour+time.Duration(page)*time.Second))
		addComments(t, s, c)
		want = append(want, c.ID)
		if p.NextCursor == "" {
			break
		}
		if page > 20 {
			t.Fatal("pagination does not end")
		}
		q.Cursor = p.NextCursor
	}
	if fmt.Sprint(seen) != fmt.Sprint(want[:len(seen)]) || len(seen) < 7 {
		t.Errorf("pages list every comment once, oldest first, new ones at the end: got %v, want a prefix of %v", seen, want)
	}
}

func testCommentVisibility(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	pub, internal, hidden, deleted := webComment("cm-1", base), webComment("cm-2", base.Add(time.Second)),
		webComment("cm-3", base.Add(2*time.Second)), webComment("cm-4", base.Add(3*time.Second))
	internal.Visibility = adapters.VisibilityInternal
	other := webComment("cm-5", base)
	other.Thread = adapters.IdeaTopic("bike-lanes")
	addComments(t, s, pub, internal, hidden, deleted, other)
	_, err := s.SetCommentHidden(ctx, adapters.HideParams{ID: "cm-3", Hidden: true, Actor: "mod-1", Reason: "insult", At: base})
	must(t, err, "SetCommentHidden")
	_, err = s.DeleteComment(ctx, adapters.DeleteParams{ID: "cm-4", Actor: "resident-1", Reason: "posted twice", At: base})
	must(t, err, "DeleteComment")
	for _, tc := range []struct {
		name string
		q    adapters.CommentQuery
		want []string
	}{
		{"Public", adapters.CommentQuery{}, []string{"cm-1"}},
		{"Internal", adapters.CommentQuery{IncludeInternal: true}, []string{"cm-1", "cm-2"}},
		{"Hidden", adapters.CommentQuery{IncludeHidden: true}, []string{"cm-1", "cm-3"}},
		{"Deleted", adapters.CommentQuery{IncludeDeleted: true}, []string{"cm-1", "cm-4"}},
		{"Everything", adapters.CommentQuery{IncludeInternal: true, IncludeHidden: true, IncludeDeleted: true}, []string{"cm-1", "cm-2", "cm-3", "cm-4"}},
	} {
		tc.q.Thread = commentThread
		sameCommentIDs(t, listComments(t, s, tc.q), tc.want, "ListComments "+tc.name+" lists its commentThread's comments it includes")
	}
	sameCommentIDs(t, listComments(t, s, adapters.CommentQuery{Thread: other.Thread}), []string{"cm-5"}, "ListComments keeps to its commentThread")
}

func testCommentEdit(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	c := addComments(t, s, webComment("cm-1", base))[0]
	bodies := []string{c.Body}
	for i := range 3 {
		body := fmt.Sprintf("corrected, take %d", i+1)
		at := base.Add(time.Duration(i+1) * time.Minute)
		got, err := s.EditComment(ctx, adapters.EditParams{ID: "cm-1", ExpectedVersion: int64(i + 1), Body: body, Editor: "resident-1", At: at})
		must(t, err, "EditComment")
		sameString(t, got.Body, body, "EditComment replaces the body")
		sameInt(t, got.Version, int64(i+2), "EditComment adds one to the version")
		sameInt(t, got.Revisions, i+1, "EditComment counts the revisions")
		sameTime(t, got.EditedAt, at, "EditComment sets EditedAt")
		bodies = append(bodies, body)
	}
	revs, err := s.ListRevisions(ctx, "cm-1")
	must(t, err, "ListRevisions")
	if len(revs) != 3 {
		t.Fatalf("an edit keeps the body it replaces: got %d revisions, want 3", len(revs))
	}
	for i, r := range revs {
		sameInt(t, r.Revision, i+1, "revisions are numbered from 1")
		sameString(t, r.CommentID, "cm-1", "revision comment")
		sameString(t, r.Body, bodies[i], "a revision holds the replaced body")
		sameString(t, r.EditedBy, "resident-1", "a revision names its editor")
		sameTime(t, r.EditedAt, base.Add(time.Duration(i+1)*time.Minute), "a revision holds its edit time")
	}
	as := moderationOf(t, s, adapters.ModerationQuery{CommentID: "cm-1"})
	if len(as) != 3 || as[0].Action != adapters.ModerationEdit {
		t.Errorf("every edit writes a moderation record: got %+v", as)
	}
}

func testCommentStaleEdit(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	addComments(t, s, webComment("cm-1", base))
	_, err := s.EditComment(ctx, adapters.EditParams{ID: "cm-1", ExpectedVersion: 1, Body: "first", Editor: "resident-1", At: base})
	must(t, err, "EditComment")
	_, err = s.EditComment(ctx, adapters.EditParams{ID: "cm-1", ExpectedVersion: 1, Body: "second", Editor: "staff-1", At: base})
	wantErr(t, err, adapters.ErrConflict, "an edit of a stale version returns ErrConflict")
	got, err := s.GetComment(ctx, "cm-1")
	must(t, err, "GetComment")
	sameString(t, got.Body, "first", "a stale edit writes nothing")
	sameInt(t, got.Version, int64(2), "a stale edit keeps the version")
	revs, err := s.ListRevisions(ctx, "cm-1")
	must(t, err, "ListRevisions")
	sameInt(t, len(revs), 1, "a stale edit keeps no revision")
	_, err = s.DeleteComment(ctx, adapters.DeleteParams{ID: "cm-1", ExpectedVersion: 1, Actor: "a", Reason: "r", At: base})
	wantErr(t, err, adapters.ErrConflict, "a delete of a stale version returns ErrConflict")
}

func testCommentDelete(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	addComments(t, s, webComment("cm-1", base))
	_, err := s.FlagComment(ctx, adapters.FlagParams{ID: "cm-1", Flagger: "resident-2", Reason: "spam", At: base})
	must(t, err, "FlagComment")
	at := base.Add(time.Hour)
	got, err := s.DeleteComment(ctx, adapters.DeleteParams{ID: "cm-1", ExpectedVersion: 1, Actor: "staff-1", ActorIssuer: "https://staff.example.gov", Reason: "personal data", At: at})
	must(t, err, "DeleteComment")
	want := webComment("cm-1", base)
	want.DeletedAt, want.DeletedBy, want.DeleteReason, want.Flags, want.Version = at, "staff-1", "personal data", 1, 2
	checkComment(t, got, want, "DeleteComment returns the deleted comment")
	got, err = s.GetComment(ctx, "cm-1")
	must(t, err, "a deleted comment is kept")
	checkComment(t, got, want, "a soft delete keeps the body and records who, why and when")
	_, err = s.EditComment(ctx, adapters.EditParams{ID: "cm-1", ExpectedVersion: 2, Body: "back", Editor: "resident-1", At: at})
	wantErr(t, err, adapters.ErrConflict, "a deleted comment cannot be edited")
	_, err = s.DeleteComment(ctx, adapters.DeleteParams{ID: "cm-1", Actor: "a", Reason: "r", At: at})
	wantErr(t, err, adapters.ErrConflict, "a deleted comment cannot be deleted again")
	_, err = s.FlagComment(ctx, adapters.FlagParams{ID: "cm-1", Flagger: "resident-3", Reason: "spam", At: at})
	wantErr(t, err, adapters.ErrConflict, "a deleted comment cannot be flagged")
	page, err := s.ListFlagged(ctx, adapters.FlaggedQuery{})
	must(t, err, "ListFlagged")
	sameCommentIDs(t, page.Comments, nil, "a deleted comment leaves the moderators' queue")
	as := moderationOf(t, s, adapters.ModerationQuery{CommentID: "cm-1"})
	if len(as) != 2 || as[1].Action != adapters.ModerationDelete || as[1].Reason != "personal data" || as[1].Actor != "staff-1" || as[1].ActorIssuer != "https://staff.example.gov" {
		t.Errorf("a delete writes its moderation record: got %+v", as)
	}
}

func testCommentFlagRace(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	addComments(t, s, webComment("cm-1", base))
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	counts := make([]int, n)
	for i := range n {
		wg.Go(func() {
			counts[i], errs[i] = s.FlagComment(ctx, adapters.FlagParams{ID: "cm-1", Flagger: "resident-2", FlaggerIssuer: "https://login.example.gov", Reason: "spam", At: base})
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
			sameInt(t, counts[i], 1, "the one flag that wins counts 1")
		case !errors.Is(err, adapters.ErrDuplicate):
			t.Errorf("a repeated flag returns ErrDuplicate, got %v", err)
		}
	}
	sameInt(t, ok, 1, "of 32 concurrent flags by one flagger exactly one is recorded")
	// Different flaggers racing all count.
	errs = make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.FlagComment(ctx, adapters.FlagParams{ID: "cm-1", Flagger: fmt.Sprintf("resident-%d", 100+i), Reason: "spam", At: base})
		})
	}
	wg.Wait()
	for _, err := range errs {
		must(t, err, "FlagComment by distinct flaggers")
	}
	got, err := s.GetComment(ctx, "cm-1")
	must(t, err, "GetComment")
	sameInt(t, got.Flags, n+1, "Flags counts every distinct flagger once")
	sameInt(t, got.Version, int64(1), "flags do not change the version")
	sameInt(t, len(moderationOf(t, s, adapters.ModerationQuery{CommentID: "cm-1", Limit: adapters.MaxPageSize})), n+1, "each recorded flag writes one moderation record")
}

func testCommentHide(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	addComments(t, s, webComment("cm-1", base), webComment("cm-2", base.Add(time.Second)))
	_, err := s.FlagComment(ctx, adapters.FlagParams{ID: "cm-1", Flagger: "resident-2", Reason: "insult", At: base.Add(time.Minute)})
	must(t, err, "FlagComment")
	hideAt := base.Add(2 * time.Minute)
	got, err := s.SetCommentHidden(ctx, adapters.HideParams{ID: "cm-1", Hidden: true, Actor: "mod-1", ActorIssuer: "https://staff.example.gov", Reason: "insult", At: hideAt})
	must(t, err, "SetCommentHidden hide")
	want := webComment("cm-1", base)
	want.HiddenAt, want.HiddenBy, want.HiddenReason, want.Flags, want.Version = hideAt, "mod-1", "insult", 1, 2
	checkComment(t, got, want, "hiding sets who, why and when, and leaves the queue")
	sameCommentIDs(t, listComments(t, s, adapters.CommentQuery{Thread: commentThread}), []string{"cm-2"}, "a hidden comment leaves the public listing")
	restoreAt := base.Add(3 * time.Minute)
	got, err = s.SetCommentHidden(ctx, adapters.HideParams{ID: "cm-1", Actor: "mod-2", Reason: "context makes it fair", At: restoreAt})
	must(t, err, "SetCommentHidden restore")
	want.HiddenAt, want.HiddenBy, want.HiddenReason, want.Version = time.Time{}, "", "", 3
	checkComment(t, got, want, "restoring clears the hide fields")
	sameCommentIDs(t, listComments(t, s, adapters.CommentQuery{Thread: commentThread}), []string{"cm-1", "cm-2"}, "a restored comment is listed again")
	as := moderationOf(t, s, adapters.ModerationQuery{CommentID: "cm-1"})
	if len(as) != 3 {
		t.Fatalf("flag, hide and restore write one record each: got %+v", as)
	}
	for i, w := range []adapters.ModerationAction{
		{CommentID: "cm-1", Thread: commentThread, Action: adapters.ModerationFlag, Actor: "resident-2", Reason: "insult", At: base.Add(time.Minute)},
		{CommentID: "cm-1", Thread: commentThread, Action: adapters.ModerationHide, Actor: "mod-1", ActorIssuer: "https://staff.example.gov", Reason: "insult", At: hideAt},
		{CommentID: "cm-1", Thread: commentThread, Action: adapters.ModerationRestore, Actor: "mod-2", Reason: "context makes it fair", At: restoreAt},
	} {
		rule := fmt.Sprintf("moderation record %d", i)
		g := as[i]
		sameString(t, g.CommentID, w.CommentID, rule+": CommentID")
		sameString(t, string(g.Thread), string(w.Thread), rule+": Thread")
		sameString(t, string(g.Action), string(w.Action), rule+": Action")
		sameString(t, g.Actor, w.Actor, rule+": Actor")
		sameString(t, g.ActorIssuer, w.ActorIssuer, rule+": ActorIssuer")
		sameString(t, g.Reason, w.Reason, rule+": Reason")
		sameTime(t, g.At, w.At, rule+": At")
		if i > 0 && g.Seq <= as[i-1].Seq {
			t.Errorf("moderation records come in Seq order: %d after %d", g.Seq, as[i-1].Seq)
		}
	}
	byThread := moderationOf(t, s, adapters.ModerationQuery{Thread: commentThread, Limit: 2})
	sameInt(t, len(byThread), 2, "ListModeration honours its limit")
	rest := moderationOf(t, s, adapters.ModerationQuery{Thread: commentThread, AfterSeq: byThread[1].Seq})
	if len(rest) != 1 || rest[0].Seq != as[2].Seq {
		t.Errorf("ListModeration pages by Seq: got %+v", rest)
	}
	_, err = s.ListModeration(ctx, adapters.ModerationQuery{})
	wantErr(t, err, adapters.ErrInvalidArgument, "ListModeration names a comment or a commentThread")
}

func testCommentHeld(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	c := webComment("cm-1", base)
	c.HiddenAt, c.HiddenBy, c.HiddenReason = base, "content-check", "held for review"
	got := addComments(t, s, c)[0]
	want := c
	want.FlaggedAt, want.Version = base, 1
	checkComment(t, got, want, "a comment added hidden waits for review")
	page, err := s.ListFlagged(ctx, adapters.FlaggedQuery{})
	must(t, err, "ListFlagged")
	sameCommentIDs(t, page.Comments, []string{"cm-1"}, "a held comment is in the moderators' queue")
	as := moderationOf(t, s, adapters.ModerationQuery{CommentID: "cm-1"})
	if len(as) != 1 || as[0].Action != adapters.ModerationHide || as[0].Reason != "held for review" || as[0].Actor != "content-check" {
		t.Errorf("a held comment's hide is in the audit trail: got %+v", as)
	}
	_, err = s.SetCommentHidden(ctx, adapters.HideParams{ID: "cm-1", Actor: "mod-1", Reason: "fine", At: base.Add(time.Minute)})
	must(t, err, "SetCommentHidden restore")
	page, err = s.ListFlagged(ctx, adapters.FlaggedQuery{})
	must(t, err, "ListFlagged")
	sameCommentIDs(t, page.Comments, nil, "a moderator's decision takes the comment out of the queue")
}

func testCommentQueue(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for i := range 5 {
		addComments(t, s, webComment(fmt.Sprintf("cm-%d", i), base))
	}
	// Flagged in the order 3, 1, 4, 0; a second flag keeps the place.
	for i, id := range []string{"cm-3", "cm-1", "cm-4", "cm-0"} {
		_, err := s.FlagComment(ctx, adapters.FlagParams{ID: id, Flagger: "resident-9", Reason: "spam", At: base.Add(time.Duration(i) * time.Minute)})
		must(t, err, "FlagComment")
	}
	_, err := s.FlagComment(ctx, adapters.FlagParams{ID: "cm-3", Flagger: "resident-8", Reason: "spam", At: base.Add(time.Hour)})
	must(t, err, "FlagComment")
	var seen []string
	q := adapters.FlaggedQuery{Limit: 3}
	for range 5 {
		p, err := s.ListFlagged(ctx, q)
		must(t, err, "ListFlagged")
		seen = append(seen, commentIDs(p.Comments)...)
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
	}
	if fmt.Sprint(seen) != fmt.Sprint([]string{"cm-3", "cm-1", "cm-4", "cm-0"}) {
		t.Errorf("the queue lists flagged comments by their first flag, each once: got %v", seen)
	}
	got, err := s.GetComment(ctx, "cm-3")
	must(t, err, "GetComment")
	sameTime(t, got.FlaggedAt, base, "FlaggedAt is the first flag's time")
	sameInt(t, got.Flags, 2, "Flags counts flaggers")
}

func testCommentCount(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	other := webComment("cm-9", base.Add(time.Minute))
	other.AuthorIssuer = "https://id.state.example"
	addComments(t, s, webComment("cm-1", base), webComment("cm-2", base.Add(time.Minute)), webComment("cm-3", base.Add(2*time.Minute)), other)
	_, err := s.DeleteComment(ctx, adapters.DeleteParams{ID: "cm-3", Actor: "resident-1", Reason: "oops", At: base})
	must(t, err, "DeleteComment")
	n, err := s.CountCommentsBy(ctx, adapters.CommentCount{Author: "resident-1", AuthorIssuer: "https://login.example.gov", Since: base.Add(time.Minute)})
	must(t, err, "CountCommentsBy")
	sameInt(t, n, int64(2), "CountCommentsBy counts the author's comments at or after Since, deleted ones too, of that issuer only")
	_, err = s.CountCommentsBy(ctx, adapters.CommentCount{Author: "resident-1"})
	wantErr(t, err, adapters.ErrInvalidArgument, "CountCommentsBy needs a start time")
}
