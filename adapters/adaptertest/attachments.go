package adaptertest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civickit/civickit/adapters"
)

var attachmentClauses = []clause{
	{"PutAttachmentRoundTripsEveryField", testAttachmentRoundTrip},
	{"PutAttachmentDefaultsStatusAndUpdatedAt", testAttachmentDefaults},
	{"PutAttachmentTwiceReturnsErrDuplicate", testAttachmentDuplicate},
	{"InvalidAttachmentsReturnErrInvalidArgumentAndWriteNothing", testAttachmentInvalid},
	{"MissingAttachmentReturnsErrNotFound", testAttachmentMissing},
	{"UpdateAttachmentRecordsTheScan", testAttachmentUpdate},
	{"DeleteAttachmentRemovesTheRecord", testAttachmentDelete},
	{"ListAttachmentsListsACaseOldestFirst", testListAttachments},
	{"ListAttachmentsByStatusHonoursLimitAndOrder", testListAttachmentsByStatus},
	{"ListOrphanAttachmentsSkipsLinkedAndNewer", testListOrphanAttachments},
	{"CreateCaseLinksTheSubmissionsFiles", testCreateCaseLinksFiles},
	{"CreateCaseWithAnUnknownFileReturnsErrInvalidArgumentAndWritesNothing", testCreateCaseUnknownFile},
	{"CreateCaseWithALinkedFileReturnsErrInvalidArgumentAndWritesNothing", testCreateCaseLinkedFile},
	{"CreateCaseWithFilesReplaysItsRequestKey", testCreateCaseFilesReplay},
	{"ConcurrentCreateCasesNamingOneFileExactlyOneLinksIt", testCreateCaseFileRace},
	{"SubmissionFilesRoundTripInOrder", testSubmissionFiles},
}

// attachment is a valid, unlinked, quarantined attachment created at at.
func attachment(id string, at time.Time) adapters.Attachment {
	sum := sha256.Sum256([]byte(id))
	return adapters.Attachment{
		FileRef: adapters.FileRef{
			ID: id, Field: "photos", Name: id + ".jpg", Type: "image/jpeg", Size: 1024, SHA256: hex.EncodeToString(sum[:]),
		},
		Owner: "resident-1", OwnerIssuer: "https://login.example.gov",
		Status: adapters.AttachmentQuarantined, Key: "uploads/" + id, CreatedAt: at, UpdatedAt: at,
	}
}

func checkFileRef(t *testing.T, got, want adapters.FileRef, rule string) {
	t.Helper()
	sameString(t, got.ID, want.ID, rule+": ID")
	sameString(t, got.Field, want.Field, rule+": Field")
	sameString(t, got.Name, want.Name, rule+": Name")
	sameString(t, got.Type, want.Type, rule+": Type")
	sameInt(t, got.Size, want.Size, rule+": Size")
	sameString(t, got.SHA256, want.SHA256, rule+": SHA256")
}

func checkFiles(t *testing.T, got, want []adapters.FileRef, rule string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d files, want %d: %+v", rule, len(got), len(want), got)
	}
	for i := range got {
		checkFileRef(t, got[i], want[i], fmt.Sprintf("%s: file %d", rule, i))
	}
}

func checkAttachment(t *testing.T, got, want adapters.Attachment, rule string) {
	t.Helper()
	checkFileRef(t, got.FileRef, want.FileRef, rule)
	sameString(t, got.CaseID, want.CaseID, rule+": CaseID")
	sameString(t, got.SubmissionID, want.SubmissionID, rule+": SubmissionID")
	sameString(t, got.Owner, want.Owner, rule+": Owner")
	sameString(t, got.OwnerIssuer, want.OwnerIssuer, rule+": OwnerIssuer")
	sameString(t, string(got.Status), string(want.Status), rule+": Status")
	sameString(t, got.Reason, want.Reason, rule+": Reason")
	sameString(t, got.Key, want.Key, rule+": Key")
	if got.Sealed != want.Sealed {
		t.Errorf("%s: Sealed: got %v, want %v", rule, got.Sealed, want.Sealed)
	}
	sameString(t, got.PublicKey, want.PublicKey, rule+": PublicKey")
	sameTime(t, got.CreatedAt, want.CreatedAt, rule+": CreatedAt")
	sameTime(t, got.UpdatedAt, want.UpdatedAt, rule+": UpdatedAt")
}

func attachmentIDs(as []adapters.Attachment) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func sameIDs(t *testing.T, got []adapters.Attachment, want []string, rule string) {
	t.Helper()
	if g := attachmentIDs(got); fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("%s: got %v, want %v", rule, g, want)
	}
}

func putAll(t *testing.T, s adapters.Store, as ...adapters.Attachment) {
	t.Helper()
	for _, a := range as {
		must(t, s.PutAttachment(ctxFor(t), a), "PutAttachment "+a.ID)
	}
}

func testAttachmentRoundTrip(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	a := attachment("att-1", base)
	a.Name, a.Type, a.Size = "recibo ñ.pdf", "application/pdf", 0
	a.Status, a.Reason, a.Sealed, a.PublicKey = adapters.AttachmentRejected, "eicar signature", true, "public/att-1"
	a.UpdatedAt = base.Add(time.Second)
	putAll(t, s, a)
	got, err := s.GetAttachment(ctx, "att-1")
	must(t, err, "GetAttachment")
	checkAttachment(t, got, a, "GetAttachment round-trips every field")
}

func testAttachmentDefaults(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	a := attachment("att-1", base)
	a.Status, a.UpdatedAt = "", time.Time{}
	putAll(t, s, a)
	got, err := s.GetAttachment(ctx, "att-1")
	must(t, err, "GetAttachment")
	sameString(t, string(got.Status), string(adapters.AttachmentQuarantined), "an empty status is stored as quarantined")
	sameTime(t, got.UpdatedAt, base, "a zero UpdatedAt defaults to CreatedAt")
	if got.CaseID != "" || got.SubmissionID != "" {
		t.Errorf("a new attachment is unlinked: case %q, submission %q", got.CaseID, got.SubmissionID)
	}
}

func testAttachmentDuplicate(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	putAll(t, s, attachment("att-1", base))
	again := attachment("att-1", base.Add(time.Hour))
	again.Key = "uploads/other"
	wantErr(t, s.PutAttachment(ctx, again), adapters.ErrDuplicate, "an attachment id already recorded is ErrDuplicate")
	got, err := s.GetAttachment(ctx, "att-1")
	must(t, err, "GetAttachment")
	checkAttachment(t, got, attachment("att-1", base), "the duplicate overwrites nothing")
}

func testAttachmentInvalid(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	tests := []struct {
		name  string
		spoil func(a *adapters.Attachment)
	}{
		{"EmptyID", func(a *adapters.Attachment) { a.ID = "" }},
		{"EmptyField", func(a *adapters.Attachment) { a.Field = "" }},
		{"EmptyType", func(a *adapters.Attachment) { a.Type = "" }},
		{"NegativeSize", func(a *adapters.Attachment) { a.Size = -1 }},
		{"UppercaseSHA256", func(a *adapters.Attachment) { a.SHA256 = "AB" + a.SHA256[2:] }},
		{"ShortSHA256", func(a *adapters.Attachment) { a.SHA256 = a.SHA256[:63] }},
		{"UnknownStatus", func(a *adapters.Attachment) { a.Status = "infected" }},
		{"EmptyKey", func(a *adapters.Attachment) { a.Key = "" }},
		{"ZeroCreatedAt", func(a *adapters.Attachment) { a.CreatedAt = time.Time{} }},
		{"AlreadyLinked", func(a *adapters.Attachment) { a.CaseID, a.SubmissionID = "case-1", "sub-1" }},
	}
	for _, tt := range tests {
		a := attachment("att-"+tt.name, base)
		tt.spoil(&a)
		wantErr(t, s.PutAttachment(ctx, a), adapters.ErrInvalidArgument, "PutAttachment with "+tt.name)
		if a.ID != "" {
			_, err := s.GetAttachment(ctx, a.ID)
			wantErr(t, err, adapters.ErrNotFound, "a refused attachment is not written ("+tt.name+")")
		}
	}
	for _, u := range []adapters.AttachmentUpdate{
		{Status: adapters.AttachmentClean, At: base},
		{ID: "att-1", Status: "", At: base},
		{ID: "att-1", Status: adapters.AttachmentClean},
	} {
		wantErr(t, s.UpdateAttachment(ctx, u), adapters.ErrInvalidArgument, fmt.Sprintf("UpdateAttachment(%+v)", u))
	}
	for _, limit := range []int{0, -1, adapters.MaxPageSize + 1} {
		_, err := s.ListAttachmentsByStatus(ctx, adapters.AttachmentQuarantined, limit)
		wantErr(t, err, adapters.ErrInvalidArgument, fmt.Sprintf("ListAttachmentsByStatus limit %d outside 1..MaxPageSize", limit))
		_, err = s.ListOrphanAttachments(ctx, base, limit)
		wantErr(t, err, adapters.ErrInvalidArgument, fmt.Sprintf("ListOrphanAttachments limit %d outside 1..MaxPageSize", limit))
	}
	_, err := s.ListAttachmentsByStatus(ctx, "infected", 1)
	wantErr(t, err, adapters.ErrInvalidArgument, "ListAttachmentsByStatus of an unknown status")
	_, err = s.ListOrphanAttachments(ctx, time.Time{}, 1)
	wantErr(t, err, adapters.ErrInvalidArgument, "ListOrphanAttachments before the zero time")
}

func testAttachmentMissing(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.GetAttachment(ctx, "nope")
	wantErr(t, err, adapters.ErrNotFound, "GetAttachment of an unknown id")
	err = s.UpdateAttachment(ctx, adapters.AttachmentUpdate{ID: "nope", Status: adapters.AttachmentClean, At: base})
	wantErr(t, err, adapters.ErrNotFound, "UpdateAttachment of an unknown id")
	wantErr(t, s.DeleteAttachment(ctx, "nope"), adapters.ErrNotFound, "DeleteAttachment of an unknown id")
	got, err := s.ListAttachments(ctx, "no-case")
	must(t, err, "ListAttachments of an unknown case")
	if len(got) != 0 {
		t.Errorf("an unknown case has no attachments: %v", attachmentIDs(got))
	}
}

func testAttachmentUpdate(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	a := attachment("att-1", base)
	putAll(t, s, a)
	at := base.Add(time.Minute)
	must(t, s.UpdateAttachment(ctx, adapters.AttachmentUpdate{
		ID: "att-1", Status: adapters.AttachmentClean, PublicKey: "public/att-1", At: at,
	}), "UpdateAttachment")
	got, err := s.GetAttachment(ctx, "att-1")
	must(t, err, "GetAttachment")
	a.Status, a.PublicKey, a.UpdatedAt = adapters.AttachmentClean, "public/att-1", at
	checkAttachment(t, got, a, "UpdateAttachment sets status, public key and UpdatedAt and keeps the rest")

	must(t, s.UpdateAttachment(ctx, adapters.AttachmentUpdate{
		ID: "att-1", Status: adapters.AttachmentRejected, Reason: "malware", At: at.Add(time.Minute),
	}), "UpdateAttachment")
	got, err = s.GetAttachment(ctx, "att-1")
	must(t, err, "GetAttachment")
	a.Status, a.Reason, a.PublicKey, a.UpdatedAt = adapters.AttachmentRejected, "malware", "", at.Add(time.Minute)
	checkAttachment(t, got, a, "UpdateAttachment replaces Reason and PublicKey, empty ones included")
}

func testAttachmentDelete(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	putAll(t, s, attachment("att-1", base), attachment("att-2", base))
	must(t, s.DeleteAttachment(ctx, "att-1"), "DeleteAttachment")
	_, err := s.GetAttachment(ctx, "att-1")
	wantErr(t, err, adapters.ErrNotFound, "a deleted attachment is gone")
	wantErr(t, s.DeleteAttachment(ctx, "att-1"), adapters.ErrNotFound, "deleting twice is ErrNotFound")
	_, err = s.GetAttachment(ctx, "att-2")
	must(t, err, "DeleteAttachment removes only the named record")
}

// submitFiles opens caseID with a submission naming the attachments.
func submitFiles(caseID string, at time.Time, as ...adapters.Attachment) adapters.CreateCaseParams {
	p := newCase(caseID, at)
	p.Submission = adapters.Submission{ID: "sub-" + caseID, FormID: "pothole", FormVersion: 1, SubmittedAt: at}
	for _, a := range as {
		p.Submission.Files = append(p.Submission.Files, a.FileRef)
	}
	return p
}

func testListAttachments(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	// Created out of id order, with a tie on the time broken by id.
	a3, a1, a2 := attachment("att-3", base), attachment("att-1", base.Add(time.Second)), attachment("att-2", base)
	other := attachment("att-0", base)
	putAll(t, s, a3, a1, a2, other)
	_, err := s.CreateCase(ctx, submitFiles("case-1", base.Add(time.Hour), a1, a3, a2))
	must(t, err, "CreateCase")
	_, err = s.CreateCase(ctx, submitFiles("case-2", base.Add(time.Hour), other))
	must(t, err, "CreateCase")
	got, err := s.ListAttachments(ctx, "case-1")
	must(t, err, "ListAttachments")
	sameIDs(t, got, []string{"att-2", "att-3", "att-1"}, "ListAttachments lists the case's attachments oldest first, ties by id")
}

func testListAttachmentsByStatus(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	var all []adapters.Attachment
	for i, id := range []string{"att-e", "att-d", "att-c", "att-b", "att-a"} {
		all = append(all, attachment(id, base.Add(time.Duration(i/2)*time.Minute)))
	}
	clean := attachment("att-clean", base.Add(-time.Hour))
	putAll(t, s, append(all, clean)...)
	must(t, s.UpdateAttachment(ctx, adapters.AttachmentUpdate{ID: "att-clean", Status: adapters.AttachmentClean, At: base}), "UpdateAttachment")

	got, err := s.ListAttachmentsByStatus(ctx, adapters.AttachmentQuarantined, 3)
	must(t, err, "ListAttachmentsByStatus")
	sameIDs(t, got, []string{"att-d", "att-e", "att-b"}, "ListAttachmentsByStatus returns the oldest up to the limit, ties by id")
	if len(got) > 0 {
		checkAttachment(t, got[0], all[1], "ListAttachmentsByStatus returns whole records")
	}
	got, err = s.ListAttachmentsByStatus(ctx, adapters.AttachmentQuarantined, adapters.MaxPageSize)
	must(t, err, "ListAttachmentsByStatus")
	sameIDs(t, got, []string{"att-d", "att-e", "att-b", "att-c", "att-a"}, "ListAttachmentsByStatus lists only the status")
	got, err = s.ListAttachmentsByStatus(ctx, adapters.AttachmentClean, 10)
	must(t, err, "ListAttachmentsByStatus")
	sameIDs(t, got, []string{"att-clean"}, "a scanned attachment moves to its new status")
	got, err = s.ListAttachmentsByStatus(ctx, adapters.AttachmentRejected, 10)
	must(t, err, "ListAttachmentsByStatus")
	sameIDs(t, got, []string{}, "no attachment is rejected")
}

func testListOrphanAttachments(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	old2, old1 := attachment("att-old-2", base), attachment("att-old-1", base)
	older := attachment("att-older", base.Add(-time.Hour))
	linked := attachment("att-linked", base.Add(-2*time.Hour))
	edge := attachment("att-edge", base.Add(time.Minute))
	newer := attachment("att-newer", base.Add(time.Hour))
	putAll(t, s, old2, old1, older, linked, edge, newer)
	_, err := s.CreateCase(ctx, submitFiles("case-1", base, linked))
	must(t, err, "CreateCase")

	got, err := s.ListOrphanAttachments(ctx, base.Add(time.Minute), 10)
	must(t, err, "ListOrphanAttachments")
	sameIDs(t, got, []string{"att-older", "att-old-1", "att-old-2"},
		"ListOrphanAttachments lists unlinked attachments created strictly before the time, oldest first, ties by id")
	got, err = s.ListOrphanAttachments(ctx, base.Add(time.Minute), 2)
	must(t, err, "ListOrphanAttachments")
	sameIDs(t, got, []string{"att-older", "att-old-1"}, "ListOrphanAttachments honours the limit")
}

func testCreateCaseLinksFiles(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	a1, a2 := attachment("att-1", base), attachment("att-2", base)
	a2.Sealed = true
	putAll(t, s, a1, a2, attachment("att-3", base))
	opened := base.Add(time.Hour)
	_, err := s.CreateCase(ctx, submitFiles("case-1", opened, a2, a1))
	must(t, err, "CreateCase with files")
	for _, a := range []adapters.Attachment{a1, a2} {
		got, err := s.GetAttachment(ctx, a.ID)
		must(t, err, "GetAttachment")
		a.CaseID, a.SubmissionID, a.UpdatedAt = "case-1", "sub-case-1", opened
		checkAttachment(t, got, a, "CreateCase links each named attachment to the case and submission at the case's time")
	}
	got, err := s.GetAttachment(ctx, "att-3")
	must(t, err, "GetAttachment")
	checkAttachment(t, got, attachment("att-3", base), "an attachment the submission does not name stays unlinked")
}

// checkNothingWritten checks that a refused CreateCase wrote no case and no
// submission and linked none of the attachments.
func checkNothingWritten(t *testing.T, s adapters.Store, p adapters.CreateCaseParams, unlinked []adapters.Attachment, rule string) {
	t.Helper()
	ctx := ctxFor(t)
	_, err := s.GetCase(ctx, p.Case.ID)
	wantErr(t, err, adapters.ErrNotFound, rule+": no case is written")
	_, err = s.GetSubmission(ctx, p.Submission.ID)
	wantErr(t, err, adapters.ErrNotFound, rule+": no submission is written")
	for _, a := range unlinked {
		got, err := s.GetAttachment(ctx, a.ID)
		must(t, err, "GetAttachment")
		checkAttachment(t, got, a, rule+": the attachment stays as it was")
	}
}

func testCreateCaseUnknownFile(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	a := attachment("att-1", base)
	putAll(t, s, a)
	p := submitFiles("case-1", base, a, attachment("att-unknown", base))
	_, err := s.CreateCase(ctx, p)
	wantErr(t, err, adapters.ErrInvalidArgument, "CreateCase naming an unknown attachment")
	if err != nil && !containsID(err, "att-unknown") {
		t.Errorf("the error names the unknown attachment: %v", err)
	}
	checkNothingWritten(t, s, p, []adapters.Attachment{a}, "CreateCase naming an unknown attachment")
}

func testCreateCaseLinkedFile(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	a1, a2 := attachment("att-1", base), attachment("att-2", base)
	putAll(t, s, a1, a2)
	_, err := s.CreateCase(ctx, submitFiles("case-1", base, a1))
	must(t, err, "CreateCase")
	linked, err := s.GetAttachment(ctx, "att-1")
	must(t, err, "GetAttachment")

	p := submitFiles("case-2", base.Add(time.Hour), a2, a1)
	_, err = s.CreateCase(ctx, p)
	wantErr(t, err, adapters.ErrInvalidArgument, "CreateCase naming an attachment linked to another case")
	if err != nil && !containsID(err, "att-1") {
		t.Errorf("the error names the linked attachment: %v", err)
	}
	checkNothingWritten(t, s, p, []adapters.Attachment{a2, linked}, "CreateCase naming a linked attachment")
	got, err := s.ListAttachments(ctx, "case-1")
	must(t, err, "ListAttachments")
	sameIDs(t, got, []string{"att-1"}, "the first case keeps its attachment")
}

func containsID(err error, id string) bool {
	return strings.Contains(err.Error(), `"`+id+`"`)
}

func testSubmissionFiles(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	a1, a2, a3 := attachment("att-1", base), attachment("att-2", base), attachment("att-3", base)
	a2.Field, a2.Name, a2.Type, a2.Size = "members.2.proof", "", "application/pdf", 0
	putAll(t, s, a1, a2, a3)
	p := submitFiles("case-1", base, a3, a1, a2)
	_, err := s.CreateCase(ctx, p)
	must(t, err, "CreateCase")
	sub, err := s.GetSubmission(ctx, "sub-case-1")
	must(t, err, "GetSubmission")
	checkFiles(t, sub.Files, p.Submission.Files, "GetSubmission returns the files in the order given")
	subs, err := s.ListSubmissions(ctx, "case-1")
	must(t, err, "ListSubmissions")
	if len(subs) != 1 {
		t.Fatalf("ListSubmissions: got %d submissions, want 1", len(subs))
	}
	checkFiles(t, subs[0].Files, p.Submission.Files, "ListSubmissions returns the files in the order given")

	_, err = s.CreateCase(ctx, submitFiles("case-2", base))
	must(t, err, "CreateCase")
	sub, err = s.GetSubmission(ctx, "sub-case-2")
	must(t, err, "GetSubmission")
	checkFiles(t, sub.Files, nil, "a submission without files has none")
}

func testCreateCaseFilesReplay(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	a := attachment("att-1", base)
	putAll(t, s, a)
	p := submitFiles("case-1", base, a)
	p.RequestKey = "req-1"
	_, err := s.CreateCase(ctx, p)
	must(t, err, "CreateCase")
	c, err := s.CreateCase(ctx, p)
	must(t, err, "a retry with the same request key is answered although its files are linked now")
	sameString(t, c.ID, "case-1", "the retry returns the stored case")
	p.Submission.Files = nil
	_, err = s.CreateCase(ctx, p)
	wantErr(t, err, adapters.ErrDuplicate, "the request key with other files is another request")
	got, err := s.ListAttachments(ctx, "case-1")
	must(t, err, "ListAttachments")
	sameIDs(t, got, []string{"att-1"}, "the case keeps its one attachment")
}

func testCreateCaseFileRace(t *testing.T, open Opener) {
	s, ctx := open(t), ctxFor(t)
	a := attachment("att-1", base)
	putAll(t, s, a)
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CreateCase(ctx, submitFiles(fmt.Sprintf("case-%d", i), base, a))
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("cases %d and %d both linked one file", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, adapters.ErrInvalidArgument):
			t.Errorf("a case that lost the file returns ErrInvalidArgument, got %v", err)
		}
	}
	if winner < 0 {
		t.Fatal("one of the cases naming a free file links it")
	}
	got, err := s.GetAttachment(ctx, "att-1")
	must(t, err, "GetAttachment")
	sameString(t, got.CaseID, fmt.Sprintf("case-%d", winner), "the file is linked to the winner")
	for i := range racers {
		if i == winner {
			continue
		}
		_, err := s.GetCase(ctx, fmt.Sprintf("case-%d", i))
		wantErr(t, err, adapters.ErrNotFound, "a case that lost the file is not written")
	}
}
