package adapters

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// StoredTime is t as stores keep it: in UTC, truncated to the microsecond.
// Implementations apply it to every time they write so that all of them
// round-trip the same values.
func StoredTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}

// appendErr appends err unless it is nil, so that valid calls allocate
// nothing.
func appendErr(errs []error, err error) []error {
	if err == nil {
		return errs
	}
	return append(errs, err)
}

func validJSON(name string, data json.RawMessage) error {
	if len(data) > 0 && !json.Valid(data) {
		return invalid("%s is not valid JSON", name)
	}
	return nil
}

// Validate reports every way p breaks the CreateCase contract, each error
// wrapping ErrInvalidArgument.
func (p CreateCaseParams) Validate() error {
	var errs []error
	c := p.Case
	if c.ID == "" {
		errs = append(errs, invalid("case id is empty"))
	}
	if c.Type == "" {
		errs = append(errs, invalid("case type is empty"))
	}
	if c.State == "" {
		errs = append(errs, invalid("case state is empty"))
	}
	if c.CreatedAt.IsZero() {
		errs = append(errs, invalid("case created time is zero"))
	}
	errs = appendErr(errs, validJSON("case data", c.Data))
	if p.Submission.ID != "" {
		if p.Submission.CaseID != "" && p.Submission.CaseID != c.ID {
			errs = append(errs, invalid("submission case id %q differs from case id %q", p.Submission.CaseID, c.ID))
		}
		if p.Submission.FormID == "" {
			errs = append(errs, invalid("submission form id is empty"))
		}
		errs = appendErr(errs, validJSON("submission data", p.Submission.Data))
		errs = appendErr(errs, validateFiles(p.Submission.Files))
	} else if len(p.Submission.Files) > 0 {
		errs = append(errs, invalid("submission files without a submission id"))
	}
	errs = appendErr(errs, validateEvents(c.ID, p.Events))
	errs = appendErr(errs, validateMessages(c.ID, p.Messages))
	errs = appendErr(errs, validateTimers(c.ID, p.Timers))
	return errors.Join(errs...)
}

// Validate reports every way p breaks the ApplyTransition contract, each
// error wrapping ErrInvalidArgument.
func (p TransitionParams) Validate() error {
	var errs []error
	if p.CaseID == "" {
		errs = append(errs, invalid("case id is empty"))
	}
	if p.ExpectedVersion < 1 {
		errs = append(errs, invalid("expected version %d is below 1", p.ExpectedVersion))
	}
	if p.State == "" {
		errs = append(errs, invalid("state is empty"))
	}
	if p.At.IsZero() {
		errs = append(errs, invalid("transition time is zero"))
	}
	errs = appendErr(errs, validJSON("case data", p.Update.Data))
	errs = appendErr(errs, validateEvents(p.CaseID, p.Events))
	errs = appendErr(errs, validateMessages(p.CaseID, p.Messages))
	errs = appendErr(errs, validateTimers(p.CaseID, p.SetTimers))
	for i, n := range p.CancelTimers {
		if n == "" {
			errs = append(errs, invalid("cancelled timer %d has an empty name", i))
		}
	}
	return errors.Join(errs...)
}

// Fingerprint identifies the request for RequestKey replays: a digest of
// every field but RequestKey and the clock's stamps of the moment the
// request was made (At, and the events' At and messages' CreatedAt, which a
// retry stamps anew). The case, expected version, state, update, events
// (kind, states, trigger, actor, comment, payload), messages, timers set
// (due times included) and cancelled all count. Two requests with one key
// and one fingerprint are the same request retried; any other difference
// makes them two requests.
func (p TransitionParams) Fingerprint() string {
	q := p
	q.RequestKey, q.At = "", time.Time{}
	if q.Update.Due != nil {
		due := StoredTime(*q.Update.Due)
		q.Update.Due = &due
	}
	q.Events = unstampedEvents(q.Events)
	q.Messages = unstampedMessages(q.Messages)
	q.SetTimers = storedTimers(q.SetTimers)
	return digest("transition", q)
}

// Fingerprint identifies the request for RequestKey replays as
// TransitionParams.Fingerprint does: every field but RequestKey and the
// stamps of the moment (the case's CreatedAt and UpdatedAt, the
// submission's SubmittedAt, the events' At, the messages' CreatedAt). The
// submission's files count, in their order.
func (p CreateCaseParams) Fingerprint() string {
	q := p
	q.RequestKey = ""
	c := &q.Case
	c.Due, c.CreatedAt, c.UpdatedAt, c.ClosedAt = StoredTime(c.Due), time.Time{}, time.Time{}, StoredTime(c.ClosedAt)
	q.Submission.SubmittedAt = time.Time{}
	q.Events = unstampedEvents(q.Events)
	q.Messages = unstampedMessages(q.Messages)
	q.Timers = storedTimers(q.Timers)
	return digest("create", q)
}

// digest hashes v's JSON encoding, which names every exported field, so a
// field added to the params joins the fingerprint without being listed.
func digest(kind string, v any) string {
	h := sha256.New()
	h.Write([]byte(kind))
	_ = json.NewEncoder(h).Encode(v) // Validate refused the values JSON cannot encode
	return hex.EncodeToString(h.Sum(nil))
}

func unstampedEvents(in []Event) []Event {
	out := slices.Clone(in)
	for i := range out {
		out[i].At = time.Time{}
	}
	return out
}

func unstampedMessages(in []Message) []Message {
	out := slices.Clone(in)
	for i := range out {
		m := &out[i]
		m.CreatedAt = time.Time{}
		m.NextAttemptAt, m.LeaseExpiresAt, m.SentAt = StoredTime(m.NextAttemptAt), StoredTime(m.LeaseExpiresAt), StoredTime(m.SentAt)
	}
	return out
}

func storedTimers(in []Timer) []Timer {
	out := slices.Clone(in)
	for i := range out {
		out[i].DueAt, out[i].LeaseExpiresAt = StoredTime(out[i].DueAt), StoredTime(out[i].LeaseExpiresAt)
	}
	return out
}

func validateEvents(caseID string, events []Event) error {
	if len(events) == 0 {
		return invalid("no events: every change is audited")
	}
	var errs []error
	for i, e := range events {
		if e.CaseID != "" && e.CaseID != caseID {
			errs = append(errs, invalid("event %d case id %q differs from %q", i, e.CaseID, caseID))
		}
		if e.Kind == "" {
			errs = append(errs, invalid("event %d kind is empty", i))
		}
		if e.At.IsZero() {
			errs = append(errs, invalid("event %d time is zero", i))
		}
		if len(e.Payload) > 0 && !json.Valid(e.Payload) {
			errs = append(errs, invalid("event %d payload is not valid JSON", i))
		}
	}
	return errors.Join(errs...)
}

func validateMessages(caseID string, msgs []Message) error {
	var errs []error
	for i, m := range msgs {
		if m.ID == "" {
			errs = append(errs, invalid("message %d id is empty", i))
		}
		if m.IdempotencyKey == "" {
			errs = append(errs, invalid("message %d idempotency key is empty", i))
		}
		if caseID != "" && m.CaseID != "" && m.CaseID != caseID {
			errs = append(errs, invalid("message %d case id %q differs from %q", i, m.CaseID, caseID))
		}
		if m.Status != "" && m.Status != MessagePending {
			errs = append(errs, invalid("message %d status %q: new messages are pending", i, m.Status))
		}
		if m.CreatedAt.IsZero() {
			errs = append(errs, invalid("message %d created time is zero", i))
		}
		// Calls write a handful of messages: a quadratic scan beats maps.
		for _, prev := range msgs[:i] {
			if prev.ID == m.ID || prev.IdempotencyKey == m.IdempotencyKey {
				errs = append(errs, fmt.Errorf("%w: message %d repeats an id or idempotency key of this call", ErrDuplicate, i))
				break
			}
		}
		if len(m.Data) > 0 && !json.Valid(m.Data) {
			errs = append(errs, invalid("message %d data is not valid JSON", i))
		}
		errs = appendErr(errs, validateAddressed(i, caseID, m))
	}
	return errors.Join(errs...)
}

// ValidateMessages reports every way msgs break the EnqueueMessages
// contract.
func ValidateMessages(msgs []Message) error {
	if len(msgs) == 0 {
		return invalid("no messages")
	}
	return validateMessages("", msgs)
}

func validateTimers(caseID string, timers []Timer) error {
	var errs []error
	for i, t := range timers {
		if t.Name == "" {
			errs = append(errs, invalid("timer %d name is empty", i))
		}
		if t.CaseID != "" && t.CaseID != caseID {
			errs = append(errs, invalid("timer %d case id %q differs from %q", i, t.CaseID, caseID))
		}
		if t.DueAt.IsZero() {
			errs = append(errs, invalid("timer %q due time is zero", t.Name))
		}
		if t.Trigger == "" {
			errs = append(errs, invalid("timer %q trigger is empty", t.Name))
		}
		for _, prev := range timers[:i] {
			if prev.Name == t.Name {
				errs = append(errs, invalid("timer %q set twice", t.Name))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// validateFiles reports every way a submission's files break the
// CreateCase contract.
func validateFiles(files []FileRef) error {
	var errs []error
	for i, f := range files {
		errs = appendErr(errs, f.validate(fmt.Sprintf("file %d", i)))
		for _, prev := range files[:i] {
			if prev.ID == f.ID {
				errs = append(errs, invalid("file %d repeats attachment %q", i, f.ID))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// validate reports what r lacks; what names it in the errors.
func (r FileRef) validate(what string) error {
	var errs []error
	if r.ID == "" {
		errs = append(errs, invalid("%s id is empty", what))
	}
	if r.Field == "" {
		errs = append(errs, invalid("%s field is empty", what))
	}
	if r.Type == "" {
		errs = append(errs, invalid("%s media type is empty", what))
	}
	if r.Size < 0 {
		errs = append(errs, invalid("%s size %d is negative", what, r.Size))
	}
	if !isSHA256Hex(r.SHA256) {
		errs = append(errs, invalid("%s SHA-256 is not 64 lowercase hex digits", what))
	}
	return errors.Join(errs...)
}

func isSHA256Hex(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Validate reports every way a breaks the PutAttachment contract, each
// error wrapping ErrInvalidArgument. A new attachment names a file (see
// FileRef), has a blob key and a creation time, and is not linked yet:
// CreateCase links it.
func (a Attachment) Validate() error {
	var errs []error
	errs = appendErr(errs, a.FileRef.validate("attachment"))
	if a.CaseID != "" || a.SubmissionID != "" {
		errs = append(errs, invalid("attachment %q is linked to a case before any submission names it", a.ID))
	}
	if a.Status != "" && !a.Status.Valid() {
		errs = append(errs, invalid("attachment status %q is unknown", a.Status))
	}
	if a.Key == "" {
		errs = append(errs, invalid("attachment blob key is empty"))
	}
	if a.CreatedAt.IsZero() {
		errs = append(errs, invalid("attachment created time is zero"))
	}
	return errors.Join(errs...)
}

// Validate reports every way u breaks the UpdateAttachment contract, each
// error wrapping ErrInvalidArgument.
func (u AttachmentUpdate) Validate() error {
	var errs []error
	if u.ID == "" {
		errs = append(errs, invalid("attachment id is empty"))
	}
	if !u.Status.Valid() {
		errs = append(errs, invalid("attachment status %q is unknown", u.Status))
	}
	if u.At.IsZero() {
		errs = append(errs, invalid("attachment update time is zero"))
	}
	return errors.Join(errs...)
}

// ValidateAttachmentListing reports a limit outside 1..MaxPageSize, for
// ListAttachmentsByStatus and ListOrphanAttachments.
func ValidateAttachmentListing(limit int) error {
	if limit < 1 || limit > MaxPageSize {
		return invalid("attachment listing limit %d is outside 1..%d", limit, MaxPageSize)
	}
	return nil
}

// Valid reports whether s is one of the attachment scan states.
func (s AttachmentStatus) Valid() bool {
	return s == AttachmentQuarantined || s == AttachmentClean || s == AttachmentRejected
}

// Validate reports every way q breaks the ListCases contract, each error
// wrapping ErrInvalidArgument.
func (q CaseQuery) Validate() error {
	var errs []error
	if q.Limit < 0 {
		errs = append(errs, invalid("page size %d is negative", q.Limit))
	}
	if q.Limit > MaxPageSize {
		errs = append(errs, invalid("page size %d is above the maximum %d", q.Limit, MaxPageSize))
	}
	if q.Order != "" && q.Order != OrderOpened && q.Order != OrderDue {
		errs = append(errs, invalid("unknown order %q", q.Order))
	}
	if q.Cursor != "" {
		if _, err := q.DecodeCursor(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// PageSize is the number of cases the page holds at most.
func (q CaseQuery) PageSize() int {
	if q.Limit == 0 {
		return DefaultPageSize
	}
	return q.Limit
}

// SortOrder is q.Order with the default filled in.
func (q CaseQuery) SortOrder() Order {
	if q.Order == "" {
		return OrderOpened
	}
	return q.Order
}

// CursorPosition is the sort key of the last case of a page: where the next
// page starts.
type CursorPosition struct {
	// Key is the last case's CreatedAt (OrderOpened) or Due (OrderDue).
	Key time.Time
	// ID is the last case's id, the tie breaker.
	ID string
}

type cursorJSON struct {
	Order Order  `json:"o"`
	Key   int64  `json:"k"`
	ID    string `json:"i"`
}

// NextCursor is the opaque cursor of the page that ends with c.
func (q CaseQuery) NextCursor(c Case) string {
	key := c.CreatedAt
	if q.SortOrder() == OrderDue {
		key = c.Due
	}
	b, _ := json.Marshal(cursorJSON{Order: q.SortOrder(), Key: StoredTime(key).UnixMicro(), ID: c.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads q.Cursor. A cursor that is malformed or was made for
// another order returns ErrInvalidArgument. An empty cursor returns the
// zero position and no error.
func (q CaseQuery) DecodeCursor() (CursorPosition, error) {
	if q.Cursor == "" {
		return CursorPosition{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
	var c cursorJSON
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return CursorPosition{}, invalid("malformed cursor")
	}
	if c.Order != q.SortOrder() {
		return CursorPosition{}, invalid("cursor is for order %q, not %q", c.Order, q.SortOrder())
	}
	return CursorPosition{Key: time.UnixMicro(c.Key).UTC(), ID: c.ID}, nil
}

// Validate reports every way p breaks the claim contract, each error
// wrapping ErrInvalidArgument.
func (p ClaimParams) Validate() error {
	var errs []error
	if p.Owner == "" {
		errs = append(errs, invalid("claim owner is empty"))
	}
	if p.Limit < 1 || p.Limit > MaxClaim {
		errs = append(errs, invalid("claim limit %d is outside 1..%d", p.Limit, MaxClaim))
	}
	if p.Now.IsZero() {
		errs = append(errs, invalid("claim time is zero"))
	}
	if p.Lease <= 0 {
		errs = append(errs, invalid("lease %s is not positive", p.Lease))
	}
	return errors.Join(errs...)
}

// Validate reports every way p breaks the MarkMessage contract, each error
// wrapping ErrInvalidArgument.
func (p MarkParams) Validate() error {
	var errs []error
	if p.ID == "" {
		errs = append(errs, invalid("message id is empty"))
	}
	if p.Owner == "" {
		errs = append(errs, invalid("lease owner is empty"))
	}
	switch p.Status {
	case MessageSent, MessageDelivered, MessageFailed, MessageDead:
	case MessagePending:
		if p.RetryAt.IsZero() {
			errs = append(errs, invalid("retry time is zero"))
		}
	default:
		errs = append(errs, invalid("unknown status %q", p.Status))
	}
	if p.At.IsZero() {
		errs = append(errs, invalid("mark time is zero"))
	}
	if p.Release && p.Status != MessagePending {
		errs = append(errs, invalid("only a pending mark releases a message"))
	}
	if len(p.ProviderID) > MaxDeliveryField || len(p.Via) > MaxDeliveryField || len(p.Address) > MaxDeliveryField {
		errs = append(errs, invalid("provider id, channel or address longer than %d bytes", MaxDeliveryField))
	}
	return errors.Join(errs...)
}

// Validate reports every way d breaks the SaveDraft contract, each error
// wrapping ErrInvalidArgument.
func (d Draft) Validate() error {
	var errs []error
	if d.TokenHash == "" {
		errs = append(errs, invalid("draft token hash is empty"))
	}
	if d.FormID == "" {
		errs = append(errs, invalid("draft form id is empty"))
	}
	if d.UpdatedAt.IsZero() || d.ExpiresAt.IsZero() {
		errs = append(errs, invalid("draft updated and expiry times must be set"))
	}
	errs = appendErr(errs, validJSON("draft data", d.Data))
	return errors.Join(errs...)
}

// Percentile is the nearest-rank percentile p (0 < p <= 1) of ds: the
// smallest value with at least p of the values at or below it, as SQL's
// percentile_disc computes it. It is zero for no values. Every store's
// CaseStats uses this definition so that all report the same figures.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
