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

// The bounds of an idea.
const (
	// MaxIdeaTitleBytes bounds Idea.Title.
	MaxIdeaTitleBytes = 200
	// MaxIdeaBodyBytes bounds Idea.Body.
	MaxIdeaBodyBytes = 10000
)

// Idea is a resident's proposal for their city. An idea is a case of a
// workflow of its own (submitted, under review, accepted...): its ID is
// its case's id and its State is its case's state. The store keeps the
// idea's text and its support count beside the case.
type Idea struct {
	// ID is the id of the idea's case.
	ID string
	// Title is a one-line summary, at most MaxIdeaTitleBytes of UTF-8.
	Title string
	// Body says what the idea is, at most MaxIdeaBodyBytes of UTF-8.
	Body string
	// Category and Area classify the idea ("parks", "ward-3"); empty when
	// not given.
	Category, Area string
	// Author and AuthorIssuer are the identity of who proposed it.
	Author, AuthorIssuer string
	// State is the state of the idea's case, read with the idea; PutIdea
	// ignores it.
	State string
	// Supports counts the principals supporting the idea; the store
	// maintains it and PutIdea ignores it.
	Supports int64
	// CreatedAt is when the idea was proposed.
	CreatedAt time.Time
}

// Validate reports every way i breaks the PutIdea contract, each error
// wrapping ErrInvalidArgument.
func (i Idea) Validate() error {
	var errs []error
	errs = appendErr(errs, validName("idea id", i.ID, true))
	errs = appendErr(errs, validName("category", i.Category, false))
	errs = appendErr(errs, validName("area", i.Area, false))
	errs = appendErr(errs, validName("author", i.Author, true))
	errs = appendErr(errs, validName("author issuer", i.AuthorIssuer, false))
	if strings.TrimSpace(i.Title) == "" || len(i.Title) > MaxIdeaTitleBytes || !utf8.ValidString(i.Title) {
		errs = append(errs, invalid("title is not non-blank UTF-8 of at most %d bytes", MaxIdeaTitleBytes))
	}
	if strings.TrimSpace(i.Body) == "" || len(i.Body) > MaxIdeaBodyBytes || !utf8.ValidString(i.Body) {
		errs = append(errs, invalid("body is not non-blank UTF-8 of at most %d bytes", MaxIdeaBodyBytes))
	}
	if i.CreatedAt.IsZero() {
		errs = append(errs, invalid("idea created time is zero"))
	}
	return errors.Join(errs...)
}

// IdeaSupport is one principal's support of an idea. A principal supports
// an idea at most once, and may withdraw.
type IdeaSupport struct {
	// IdeaID is the idea supported.
	IdeaID string
	// Supporter and SupporterIssuer are the principal's identity; the
	// subject must not be empty.
	Supporter, SupporterIssuer string
	// At is when the support was given.
	At time.Time
}

// Validate reports every way s breaks the Support contract, each error
// wrapping ErrInvalidArgument.
func (s IdeaSupport) Validate() error {
	var errs []error
	errs = appendErr(errs, validName("idea id", s.IdeaID, true))
	errs = appendErr(errs, validName("supporter", s.Supporter, true))
	errs = appendErr(errs, validName("supporter issuer", s.SupporterIssuer, false))
	if s.At.IsZero() {
		errs = append(errs, invalid("support time is zero"))
	}
	return errors.Join(errs...)
}

// IdeaOrder names a stable sort order for ListIdeas.
type IdeaOrder string

// The orders ListIdeas supports.
const (
	// IdeaOrderSupports sorts by Supports, most first, then ID (the
	// default). An idea whose count changes between two pages may move
	// past the cursor: counts are a live ranking, not a fixed key.
	IdeaOrderSupports IdeaOrder = "supports"
	// IdeaOrderNewest sorts by CreatedAt, newest first, then ID
	// descending.
	IdeaOrderNewest IdeaOrder = "newest"
)

// IdeaQuery filters and pages ListIdeas. Zero fields do not filter.
type IdeaQuery struct {
	// State keeps ideas whose case is in the state.
	State string
	// Category and Area keep ideas so classified.
	Category, Area string
	// Order is the sort order; empty means IdeaOrderSupports.
	Order IdeaOrder
	// Limit is the page size: 0 means DefaultPageSize; above MaxPageSize
	// or negative is ErrInvalidArgument.
	Limit int
	// Cursor is the NextCursor of the previous page, or empty.
	Cursor string
}

// IdeaPage is one page of ListIdeas.
type IdeaPage struct {
	Ideas []Idea
	// NextCursor continues the listing; empty on the last page.
	NextCursor string
}

// SortOrder is q.Order with the default filled in.
func (q IdeaQuery) SortOrder() IdeaOrder {
	if q.Order == "" {
		return IdeaOrderSupports
	}
	return q.Order
}

// PageSize is the number of ideas the page holds at most.
func (q IdeaQuery) PageSize() int {
	if q.Limit == 0 {
		return DefaultPageSize
	}
	return q.Limit
}

// Validate reports every way q breaks the ListIdeas contract, each error
// wrapping ErrInvalidArgument.
func (q IdeaQuery) Validate() error {
	var errs []error
	if o := q.SortOrder(); o != IdeaOrderSupports && o != IdeaOrderNewest {
		errs = append(errs, invalid("idea order %q is unknown", o))
	}
	if q.Limit < 0 || q.Limit > MaxPageSize {
		errs = append(errs, invalid("limit %d is outside 0..%d", q.Limit, MaxPageSize))
	}
	errs = appendErr(errs, validName("state", q.State, false))
	errs = appendErr(errs, validName("category", q.Category, false))
	errs = appendErr(errs, validName("area", q.Area, false))
	if _, err := q.DecodeCursor(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// IdeaCursor is the sort key of the last idea of a page: where the next
// page starts.
type IdeaCursor struct {
	// Key is the last idea's Supports (IdeaOrderSupports) or CreatedAt in
	// Unix microseconds (IdeaOrderNewest).
	Key int64
	// ID is the last idea's id, the tie breaker.
	ID string
}

// NextCursor is the opaque cursor of the page that ends with i.
func (q IdeaQuery) NextCursor(i Idea) string {
	key := i.Supports
	if q.SortOrder() == IdeaOrderNewest {
		key = StoredTime(i.CreatedAt).UnixMicro()
	}
	b, _ := json.Marshal(struct {
		Order IdeaOrder `json:"o"`
		Key   int64     `json:"k"`
		ID    string    `json:"i"`
	}{q.SortOrder(), key, i.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads q.Cursor. A cursor that is malformed or was made for
// another order returns ErrInvalidArgument; an empty one the zero
// position and no error.
func (q IdeaQuery) DecodeCursor() (IdeaCursor, error) {
	if q.Cursor == "" {
		return IdeaCursor{}, nil
	}
	if len(q.Cursor) > 2*maxNameBytes {
		return IdeaCursor{}, invalid("malformed idea cursor")
	}
	b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
	var c struct {
		Order IdeaOrder `json:"o"`
		Key   int64     `json:"k"`
		ID    string    `json:"i"`
	}
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return IdeaCursor{}, invalid("malformed idea cursor")
	}
	if c.Order != q.SortOrder() {
		return IdeaCursor{}, invalid("idea cursor is for order %q, not %q", c.Order, q.SortOrder())
	}
	return IdeaCursor{Key: c.Key, ID: c.ID}, nil
}

// IdeaStore keeps ideas and their supports. It is safe for concurrent
// use; every method is one transaction.
type IdeaStore interface {
	// PutIdea records a new idea beside its case, which must exist (an
	// unknown case is ErrNotFound; see Idea.Validate for
	// ErrInvalidArgument). An idea id already recorded is ErrDuplicate.
	// The idea starts with no support.
	PutIdea(ctx context.Context, i Idea) error

	// GetIdea returns the idea with its case's state and its support
	// count, or ErrNotFound.
	GetIdea(ctx context.Context, id string) (Idea, error)

	// ListIdeas returns one page of the ideas matching q in the order it
	// names, and a cursor for the next page (empty on the last).
	ListIdeas(ctx context.Context, q IdeaQuery) (IdeaPage, error)

	// Support records a principal's support and adds one to the idea's
	// count, in one transaction. A principal (Supporter and
	// SupporterIssuer) already supporting the idea is ErrDuplicate and
	// changes nothing: of any number of concurrent supports by one
	// principal exactly one counts. An unknown idea is ErrNotFound.
	Support(ctx context.Context, s IdeaSupport) error

	// Withdraw removes a principal's support and takes one from the
	// idea's count, in one transaction. A principal not supporting the
	// idea is ErrNotFound.
	Withdraw(ctx context.Context, ideaID, supporter, supporterIssuer string) error

	// HasSupported reports whether the principal supports the idea now.
	HasSupported(ctx context.Context, ideaID, supporter, supporterIssuer string) (bool, error)
}
