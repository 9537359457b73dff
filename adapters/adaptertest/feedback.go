package adaptertest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var surveyClauses = []clause{
	{"PutSurveyResponseRoundTripsEveryField", testSurveyRoundTrip},
	{"GetMissingSurveyResponseReturnsErrNotFound", testSurveyMissing},
	{"SecondResponseToACaseReturnsErrDuplicateAndWritesNothing", testSurveyDuplicate},
	{"InvalidResponseReturnsErrInvalidArgumentAndWritesNothing", testSurveyInvalid},
	{"ConcurrentResponsesToOneCaseExactlyOneIsStored", testSurveyRace},
	{"SurveyStatsTalliesPerTypeWithinThePeriod", testSurveyStats},
}

var ideaClauses = []clause{
	{"PutIdeaRoundTripsWithItsCaseStateAndNoSupport", testIdeaRoundTrip},
	{"PutIdeaWithoutItsCaseReturnsErrNotFound", testIdeaWithoutCase},
	{"PutIdeaTwiceReturnsErrDuplicate", testIdeaDuplicate},
	{"InvalidIdeaReturnsErrInvalidArgumentAndWritesNothing", testIdeaInvalid},
	{"SupportCountsOncePerPrincipal", testSupportOnce},
	{"SupportOfAnUnknownIdeaReturnsErrNotFound", testSupportUnknown},
	{"WithdrawRemovesTheSupportOrReturnsErrNotFound", testWithdraw},
	{"ConcurrentSupportsByOnePrincipalExactlyOneCounts", testSupportRace},
	{"ListIdeasFiltersAndPagesEveryIdeaOnceInOrder", testListIdeas},
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func response(caseID, caseType string, rating int, at time.Time) adapters.SurveyResponse {
	return adapters.SurveyResponse{
		CaseID: caseID, CaseType: caseType, Rating: rating, Resolved: yes(), Comment: "Fixed within a week — gracias!",
		Respondent: "resident-1", RespondentIssuer: "https://login.example.gov", RespondedAt: at,
	}
}

func checkResponse(t *testing.T, got, want adapters.SurveyResponse, rule string) {
	t.Helper()
	sameString(t, got.CaseID, want.CaseID, rule+": CaseID")
	sameString(t, got.CaseType, want.CaseType, rule+": CaseType")
	sameInt(t, got.Rating, want.Rating, rule+": Rating")
	if (got.Resolved == nil) != (want.Resolved == nil) || got.Resolved != nil && *got.Resolved != *want.Resolved {
		t.Errorf("%s: Resolved: got %v, want %v", rule, fmtBool(got.Resolved), fmtBool(want.Resolved))
	}
	sameString(t, got.Comment, want.Comment, rule+": Comment")
	sameString(t, got.Respondent, want.Respondent, rule+": Respondent")
	sameString(t, got.RespondentIssuer, want.RespondentIssuer, rule+": RespondentIssuer")
	sameTime(t, got.RespondedAt, want.RespondedAt, rule+": RespondedAt")
}

func fmtBool(b *bool) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprint(*b)
}

func testSurveyRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	for _, r := range []adapters.SurveyResponse{
		response("case-yes", "pothole", 5, base),
		func() adapters.SurveyResponse {
			r := response("case-no", "pothole", 1, base)
			r.Resolved = no()
			return r
		}(),
		func() adapters.SurveyResponse {
			r := response("case-unsaid", "graffiti", 3, base)
			r.Resolved, r.Comment, r.Respondent, r.RespondentIssuer = nil, "", "", ""
			return r
		}(),
	} {
		must(t, s.PutSurveyResponse(ctx, r), "PutSurveyResponse")
		got, err := s.GetSurveyResponse(ctx, r.CaseID)
		must(t, err, "GetSurveyResponse")
		checkResponse(t, got, r, "a survey response round-trips (resolved yes, no and unsaid)")
	}
}

func testSurveyMissing(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.GetSurveyResponse(ctx, "case-none")
	wantErr(t, err, adapters.ErrNotFound, "the response of a case never answered is ErrNotFound")
}

func testSurveyDuplicate(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	first := response("case-1", "pothole", 4, base)
	must(t, s.PutSurveyResponse(ctx, first), "PutSurveyResponse")
	second := response("case-1", "pothole", 1, base.Add(time.Hour))
	second.Respondent, second.Resolved = "someone-else", no()
	wantErr(t, s.PutSurveyResponse(ctx, second), adapters.ErrDuplicate, "a second response to one case is ErrDuplicate")
	got, err := s.GetSurveyResponse(ctx, "case-1")
	must(t, err, "GetSurveyResponse")
	checkResponse(t, got, first, "a refused second response leaves the first")
}

func testSurveyInvalid(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	tests := []struct {
		name string
		edit func(r *adapters.SurveyResponse)
	}{
		{"rating zero", func(r *adapters.SurveyResponse) { r.Rating = 0 }},
		{"rating six", func(r *adapters.SurveyResponse) { r.Rating = 6 }},
		{"rating negative", func(r *adapters.SurveyResponse) { r.Rating = -3 }},
		{"no case", func(r *adapters.SurveyResponse) { r.CaseID = "" }},
		{"no type", func(r *adapters.SurveyResponse) { r.CaseType = "" }},
		{"long comment", func(r *adapters.SurveyResponse) { r.Comment = strings.Repeat("x", adapters.MaxSurveyCommentBytes+1) }},
		{"comment not UTF-8", func(r *adapters.SurveyResponse) { r.Comment = "\xff" }},
		{"no time", func(r *adapters.SurveyResponse) { r.RespondedAt = time.Time{} }},
	}
	for _, tt := range tests {
		r := response("case-1", "pothole", 3, base)
		tt.edit(&r)
		wantErr(t, s.PutSurveyResponse(ctx, r), adapters.ErrInvalidArgument, "a response with "+tt.name+" is ErrInvalidArgument")
	}
	_, err := s.GetSurveyResponse(ctx, "case-1")
	wantErr(t, err, adapters.ErrNotFound, "a refused response writes nothing")
}

func testSurveyRace(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	const n = 32
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.PutSurveyResponse(ctx, response("case-1", "pothole", 1+i%5, base.Add(time.Duration(i)*time.Second)))
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("goroutines %d and %d both stored a response to one case", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, adapters.ErrDuplicate):
			t.Errorf("goroutine %d: a losing response returns ErrDuplicate, got %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("one of 32 concurrent responses to one case is stored: none was")
	}
	got, err := s.GetSurveyResponse(ctx, "case-1")
	must(t, err, "GetSurveyResponse")
	checkResponse(t, got, response("case-1", "pothole", 1+winner%5, base.Add(time.Duration(winner)*time.Second)), "the stored response is the winner's")
	tallies, err := s.SurveyStats(ctx, adapters.SurveyQuery{})
	must(t, err, "SurveyStats")
	if len(tallies) != 1 || tallies[0].Count != 1 {
		t.Errorf("exactly one response is counted, got %+v", tallies)
	}
}

func testSurveyStats(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	day := func(d int) time.Time { return base.AddDate(0, 0, d) }
	put := func(id, typ string, rating int, resolved *bool, at time.Time) {
		r := response(id, typ, rating, at)
		r.Resolved = resolved
		must(t, s.PutSurveyResponse(ctx, r), "PutSurveyResponse")
	}
	put("p1", "pothole", 5, yes(), day(0))
	put("p2", "pothole", 4, yes(), day(1))
	put("p3", "pothole", 1, no(), day(2))
	put("p4", "pothole", 4, nil, day(3))
	put("p5", "pothole", 2, no(), day(40)) // outside the period
	put("g1", "graffiti", 3, nil, day(1))
	put("g2", "graffiti", 5, yes(), day(2))

	tallies, err := s.SurveyStats(ctx, adapters.SurveyQuery{From: day(0), To: day(30)})
	must(t, err, "SurveyStats")
	want := []adapters.SurveyTally{
		{Type: "graffiti", Count: 2, Sum: 8, Ratings: [5]int64{0, 0, 1, 0, 1}, Resolved: 1},
		{Type: "pothole", Count: 4, Sum: 14, Ratings: [5]int64{1, 0, 0, 2, 1}, Resolved: 2, Unresolved: 1},
	}
	if !slices.Equal(tallies, want) {
		t.Errorf("tallies per type, ordered by type, of responses in [From, To): got %+v, want %+v", tallies, want)
	}
	if m := want[1].Mean(); m != 3.5 {
		t.Errorf("Mean is Sum over Count: got %v", m)
	}

	tallies, err = s.SurveyStats(ctx, adapters.SurveyQuery{Type: "pothole", From: day(3), To: day(41)})
	must(t, err, "SurveyStats")
	want = []adapters.SurveyTally{{Type: "pothole", Count: 2, Sum: 6, Ratings: [5]int64{0, 1, 0, 1, 0}, Unresolved: 1}}
	if !slices.Equal(tallies, want) {
		t.Errorf("a type and period filter (From inclusive): got %+v, want %+v", tallies, want)
	}
	tallies, err = s.SurveyStats(ctx, adapters.SurveyQuery{Type: "streetlight"})
	must(t, err, "SurveyStats")
	if len(tallies) != 0 {
		t.Errorf("a type without responses is absent: got %+v", tallies)
	}
	tallies, err = s.SurveyStats(ctx, adapters.SurveyQuery{})
	must(t, err, "SurveyStats")
	if len(tallies) != 2 || tallies[1].Count != 5 {
		t.Errorf("no filter counts every response: got %+v", tallies)
	}
}

// ideaCase opens the case an idea belongs to.
func ideaCase(t *testing.T, s adapters.Store, id string, at time.Time) {
	t.Helper()
	p := newCase(id, at)
	p.Case.Type = "idea"
	_, err := s.CreateCase(ctxFor(t), p)
	must(t, err, "CreateCase")
}

func idea(id string, at time.Time) adapters.Idea {
	return adapters.Idea{
		ID: id, Title: "Benches on Elm Street", Body: "The bus stop on Elm has nowhere to sit.\nCould we add two benches?",
		Category: "streets", Area: "ward-3", Author: "resident-1", AuthorIssuer: "https://login.example.gov", CreatedAt: at,
	}
}

func checkIdea(t *testing.T, got, want adapters.Idea, rule string) {
	t.Helper()
	sameString(t, got.ID, want.ID, rule+": ID")
	sameString(t, got.Title, want.Title, rule+": Title")
	sameString(t, got.Body, want.Body, rule+": Body")
	sameString(t, got.Category, want.Category, rule+": Category")
	sameString(t, got.Area, want.Area, rule+": Area")
	sameString(t, got.Author, want.Author, rule+": Author")
	sameString(t, got.AuthorIssuer, want.AuthorIssuer, rule+": AuthorIssuer")
	sameString(t, got.State, want.State, rule+": State")
	sameInt(t, got.Supports, want.Supports, rule+": Supports")
	sameTime(t, got.CreatedAt, want.CreatedAt, rule+": CreatedAt")
}

func support(ideaID, who string, at time.Time) adapters.IdeaSupport {
	return adapters.IdeaSupport{IdeaID: ideaID, Supporter: who, SupporterIssuer: "https://login.example.gov", At: at}
}

func testIdeaRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	ideaCase(t, s, "idea-1", base)
	in := idea("idea-1", base)
	in.State, in.Supports = "ignored", 99
	must(t, s.PutIdea(ctx, in), "PutIdea")
	got, err := s.GetIdea(ctx, "idea-1")
	must(t, err, "GetIdea")
	want := idea("idea-1", base)
	want.State = "submitted"
	checkIdea(t, got, want, "an idea round-trips with its case's state and no support")

	_, err = s.ApplyTransition(ctx, flip("idea-1", 1, base.Add(time.Hour)))
	must(t, err, "ApplyTransition")
	got, err = s.GetIdea(ctx, "idea-1")
	must(t, err, "GetIdea")
	sameString(t, got.State, "in-review", "an idea's state is its case's state after a transition")
	_, err = s.GetIdea(ctx, "idea-none")
	wantErr(t, err, adapters.ErrNotFound, "an unknown idea is ErrNotFound")
}

func testIdeaWithoutCase(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	wantErr(t, s.PutIdea(ctx, idea("idea-1", base)), adapters.ErrNotFound, "an idea without its case is ErrNotFound")
	_, err := s.GetIdea(ctx, "idea-1")
	wantErr(t, err, adapters.ErrNotFound, "a refused idea writes nothing")
}

func testIdeaDuplicate(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	ideaCase(t, s, "idea-1", base)
	must(t, s.PutIdea(ctx, idea("idea-1", base)), "PutIdea")
	again := idea("idea-1", base)
	again.Title = "Something else"
	wantErr(t, s.PutIdea(ctx, again), adapters.ErrDuplicate, "an idea id already recorded is ErrDuplicate")
	got, err := s.GetIdea(ctx, "idea-1")
	must(t, err, "GetIdea")
	sameString(t, got.Title, idea("idea-1", base).Title, "a refused idea leaves the first")
}

func testIdeaInvalid(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	ideaCase(t, s, "idea-1", base)
	tests := []struct {
		name string
		edit func(i *adapters.Idea)
	}{
		{"blank title", func(i *adapters.Idea) { i.Title = "  " }},
		{"long title", func(i *adapters.Idea) { i.Title = strings.Repeat("t", adapters.MaxIdeaTitleBytes+1) }},
		{"empty body", func(i *adapters.Idea) { i.Body = "" }},
		{"long body", func(i *adapters.Idea) { i.Body = strings.Repeat("b", adapters.MaxIdeaBodyBytes+1) }},
		{"no author", func(i *adapters.Idea) { i.Author = "" }},
		{"long category", func(i *adapters.Idea) { i.Category = strings.Repeat("c", 300) }},
		{"no time", func(i *adapters.Idea) { i.CreatedAt = time.Time{} }},
	}
	for _, tt := range tests {
		i := idea("idea-1", base)
		tt.edit(&i)
		wantErr(t, s.PutIdea(ctx, i), adapters.ErrInvalidArgument, "an idea with "+tt.name+" is ErrInvalidArgument")
	}
	_, err := s.GetIdea(ctx, "idea-1")
	wantErr(t, err, adapters.ErrNotFound, "a refused idea writes nothing")
	wantErr(t, s.Support(ctx, adapters.IdeaSupport{IdeaID: "idea-1", At: base}), adapters.ErrInvalidArgument,
		"a support without a supporter (an anonymous principal) is ErrInvalidArgument")
}

func testSupportOnce(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	ideaCase(t, s, "idea-1", base)
	must(t, s.PutIdea(ctx, idea("idea-1", base)), "PutIdea")
	has, err := s.HasSupported(ctx, "idea-1", "alice", "https://login.example.gov")
	must(t, err, "HasSupported")
	if has {
		t.Error("HasSupported is false before any support")
	}
	must(t, s.Support(ctx, support("idea-1", "alice", base)), "Support")
	wantErr(t, s.Support(ctx, support("idea-1", "alice", base.Add(time.Minute))), adapters.ErrDuplicate,
		"a principal's second support is ErrDuplicate")
	other := support("idea-1", "alice", base)
	other.SupporterIssuer = "https://id.state.example"
	must(t, s.Support(ctx, other), "the same subject from another issuer is another principal")
	must(t, s.Support(ctx, support("idea-1", "bob", base)), "Support")
	got, err := s.GetIdea(ctx, "idea-1")
	must(t, err, "GetIdea")
	sameInt(t, got.Supports, 3, "the count has one support per principal")
	has, err = s.HasSupported(ctx, "idea-1", "alice", "https://login.example.gov")
	must(t, err, "HasSupported")
	if !has {
		t.Error("HasSupported is true after a support")
	}
}

func testSupportUnknown(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	wantErr(t, s.Support(ctx, support("idea-none", "alice", base)), adapters.ErrNotFound, "supporting an unknown idea is ErrNotFound")
	has, err := s.HasSupported(ctx, "idea-none", "alice", "https://login.example.gov")
	must(t, err, "HasSupported")
	if has {
		t.Error("a refused support writes nothing")
	}
}

func testWithdraw(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	ideaCase(t, s, "idea-1", base)
	must(t, s.PutIdea(ctx, idea("idea-1", base)), "PutIdea")
	must(t, s.Support(ctx, support("idea-1", "alice", base)), "Support")
	must(t, s.Support(ctx, support("idea-1", "bob", base)), "Support")
	must(t, s.Withdraw(ctx, "idea-1", "alice", "https://login.example.gov"), "Withdraw")
	wantErr(t, s.Withdraw(ctx, "idea-1", "alice", "https://login.example.gov"), adapters.ErrNotFound,
		"withdrawing a support twice is ErrNotFound")
	wantErr(t, s.Withdraw(ctx, "idea-1", "carol", "https://login.example.gov"), adapters.ErrNotFound,
		"withdrawing a support never given is ErrNotFound")
	got, err := s.GetIdea(ctx, "idea-1")
	must(t, err, "GetIdea")
	sameInt(t, got.Supports, 1, "a withdrawn support no longer counts, and refused withdrawals change nothing")
	must(t, s.Support(ctx, support("idea-1", "alice", base.Add(time.Hour))), "a principal who withdrew may support again")
	got, err = s.GetIdea(ctx, "idea-1")
	must(t, err, "GetIdea")
	sameInt(t, got.Supports, 2, "a support given again counts")
}

func testSupportRace(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	ideaCase(t, s, "idea-1", base)
	must(t, s.PutIdea(ctx, idea("idea-1", base)), "PutIdea")
	const n = 32
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.Support(ctx, support("idea-1", "alice", base.Add(time.Duration(i)*time.Second)))
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, adapters.ErrDuplicate):
			t.Errorf("goroutine %d: a losing support returns ErrDuplicate, got %v", i, err)
		}
	}
	sameInt(t, wins, 1, "exactly one of 32 concurrent supports by one principal succeeds")
	got, err := s.GetIdea(ctx, "idea-1")
	must(t, err, "GetIdea")
	sameInt(t, got.Supports, 1, "exactly one of 32 concurrent supports by one principal counts")
}

func testListIdeas(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	// 30 ideas: support counts 0..4 repeating, categories and areas
	// alternating, every third moved to another state.
	var all []adapters.Idea
	for i := range 30 {
		id := fmt.Sprintf("idea-%02d", i)
		at := base.Add(time.Duration(i%10) * time.Hour) // ties in CreatedAt break by id
		ideaCase(t, s, id, at)
		in := idea(id, at)
		in.Category = []string{"parks", "streets"}[i%2]
		in.Area = []string{"ward-1", "ward-2", "ward-3"}[i%3]
		must(t, s.PutIdea(ctx, in), "PutIdea")
		for j := range i % 5 {
			must(t, s.Support(ctx, support(id, fmt.Sprintf("p-%d", j), at)), "Support")
		}
		in.State, in.Supports = "submitted", int64(i%5)
		if i%3 == 0 {
			_, err := s.ApplyTransition(ctx, flip(id, 1, at))
			must(t, err, "ApplyTransition")
			in.State = "in-review"
		}
		all = append(all, in)
	}
	bySupports := func(a, b adapters.Idea) int {
		if a.Supports != b.Supports {
			return int(b.Supports - a.Supports)
		}
		return strings.Compare(a.ID, b.ID)
	}
	newest := func(a, b adapters.Idea) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	}
	tests := []struct {
		name  string
		q     adapters.IdeaQuery
		keep  func(adapters.Idea) bool
		order func(a, b adapters.Idea) int
	}{
		{"all by supports", adapters.IdeaQuery{}, nil, bySupports},
		{"all newest", adapters.IdeaQuery{Order: adapters.IdeaOrderNewest}, nil, newest},
		{"category", adapters.IdeaQuery{Category: "parks"}, func(i adapters.Idea) bool { return i.Category == "parks" }, bySupports},
		{"area newest", adapters.IdeaQuery{Area: "ward-2", Order: adapters.IdeaOrderNewest}, func(i adapters.Idea) bool { return i.Area == "ward-2" }, newest},
		{"state", adapters.IdeaQuery{State: "in-review"}, func(i adapters.Idea) bool { return i.State == "in-review" }, bySupports},
		{"state and category", adapters.IdeaQuery{State: "submitted", Category: "streets"},
			func(i adapters.Idea) bool { return i.State == "submitted" && i.Category == "streets" }, bySupports},
	}
	for _, tt := range tests {
		var want []adapters.Idea
		for _, i := range all {
			if tt.keep == nil || tt.keep(i) {
				want = append(want, i)
			}
		}
		slices.SortFunc(want, tt.order)
		var got []adapters.Idea
		q := tt.q
		q.Limit = 4
		for pages := 0; ; pages++ {
			if pages > 30 {
				t.Fatalf("%s: the listing never ends", tt.name)
			}
			page, err := s.ListIdeas(ctx, q)
			must(t, err, "ListIdeas "+tt.name)
			if len(page.Ideas) > 4 {
				t.Fatalf("%s: a page holds at most Limit ideas, got %d", tt.name, len(page.Ideas))
			}
			got = append(got, page.Ideas...)
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
		if len(got) != len(want) {
			t.Fatalf("%s: every matching idea is listed once: got %d ideas, want %d", tt.name, len(got), len(want))
		}
		for k := range want {
			checkIdea(t, got[k], want[k], fmt.Sprintf("%s: idea %d in order", tt.name, k))
		}
	}
	_, err := s.ListIdeas(ctx, adapters.IdeaQuery{Limit: adapters.MaxPageSize + 1})
	wantErr(t, err, adapters.ErrInvalidArgument, "a limit above MaxPageSize is ErrInvalidArgument")
	_, err = s.ListIdeas(ctx, adapters.IdeaQuery{Order: adapters.IdeaOrderNewest, Cursor: adapters.IdeaQuery{}.NextCursor(all[0])})
	wantErr(t, err, adapters.ErrInvalidArgument, "a cursor of another order is ErrInvalidArgument")
	_, err = s.ListIdeas(ctx, adapters.IdeaQuery{Cursor: "%%%"})
	wantErr(t, err, adapters.ErrInvalidArgument, "a malformed cursor is ErrInvalidArgument")
}
