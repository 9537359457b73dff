package adapters

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"
)

// Bounds of an official update.
const (
	// MaxUpdateID is the longest update id, in bytes.
	MaxUpdateID = 200
	// MaxUpdateTitle is the longest update title, in runes.
	MaxUpdateTitle = 200
	// MaxUpdateBody is the longest update body, in runes.
	MaxUpdateBody = 10000
)

// Update is an official update: what the city posts about a topic (a
// case, a service type, an area, a public body) for its followers.
type Update struct {
	// ID is chosen by the caller and unique across the store.
	ID string
	// Topic is what the update is about.
	Topic Topic
	// Author is the identity subject of the staff member who posted it;
	// AuthorIssuer its issuer, empty when unknown.
	Author, AuthorIssuer string
	// Title is a one-line summary, Body the plain text of the update.
	Title, Body string
	// CreatedAt is when the update was posted.
	CreatedAt time.Time
}

// UpdateParams is what UpdateStore.PostUpdate writes.
type UpdateParams struct {
	// Update is the new update.
	Update Update
	// Messages are outbox messages written with it, typically one
	// addressed to SubscribersOf(Update.Topic), which the store expands.
	Messages []Message
}

// UpdateQuery pages ListUpdates.
type UpdateQuery struct {
	// Topic names the topic whose updates are listed.
	Topic Topic
	// Limit is the page size: 0 means DefaultPageSize; above MaxPageSize
	// or negative is ErrInvalidArgument.
	Limit int
	// Cursor is the NextCursor of the previous page, or empty.
	Cursor string
}

// UpdatePage is one page of ListUpdates.
type UpdatePage struct {
	// Updates are newest first: by CreatedAt, then ID, both descending.
	Updates []Update
	// NextCursor continues the listing; empty on the last page.
	NextCursor string
}

// UpdateStore keeps official updates. It is safe for concurrent use;
// every method is one transaction.
type UpdateStore interface {
	// PostUpdate writes the update and its messages, all or nothing,
	// expanding messages addressed to subscribers (see SubscribersOf).
	// An update id, message id or idempotency key already in use returns
	// ErrDuplicate; invalid params (see UpdateParams.Validate)
	// ErrInvalidArgument.
	PostUpdate(ctx context.Context, p UpdateParams) error
	// GetUpdate returns the update with the id, or ErrNotFound.
	GetUpdate(ctx context.Context, id string) (Update, error)
	// ListUpdates returns one page of the topic's updates, newest first
	// (CreatedAt, then ID, descending), and a cursor for the next page.
	// Keyset pagination: updates posted between pages never make a page
	// skip or repeat one.
	ListUpdates(ctx context.Context, q UpdateQuery) (UpdatePage, error)
}

// Validate reports every way p breaks the PostUpdate contract, each error
// wrapping ErrInvalidArgument (or ErrDuplicate for messages repeating an
// id or key of the call). The update needs an id of at most MaxUpdateID
// bytes, a valid topic, an author, a title of at most MaxUpdateTitle
// runes, a body of at most MaxUpdateBody runes (title and body valid
// UTF-8; the body may be empty) and a creation time. Messages follow the
// EnqueueMessages rules; there may be none.
func (p UpdateParams) Validate() error {
	var errs []error
	u := p.Update
	switch {
	case u.ID == "":
		errs = append(errs, invalid("update id is empty"))
	case len(u.ID) > MaxUpdateID || !utf8.ValidString(u.ID):
		errs = append(errs, invalid("update id is longer than %d bytes or not UTF-8", MaxUpdateID))
	}
	if !u.Topic.Valid() {
		errs = append(errs, invalid("update topic %q is not a valid topic", u.Topic))
	}
	if u.Author == "" {
		errs = append(errs, invalid("update author is empty"))
	}
	switch {
	case u.Title == "":
		errs = append(errs, invalid("update title is empty"))
	case !utf8.ValidString(u.Title) || utf8.RuneCountInString(u.Title) > MaxUpdateTitle:
		errs = append(errs, invalid("update title is longer than %d characters or not UTF-8", MaxUpdateTitle))
	}
	if !utf8.ValidString(u.Body) || utf8.RuneCountInString(u.Body) > MaxUpdateBody {
		errs = append(errs, invalid("update body is longer than %d characters or not UTF-8", MaxUpdateBody))
	}
	if u.CreatedAt.IsZero() {
		errs = append(errs, invalid("update created time is zero"))
	}
	errs = appendErr(errs, validateMessages("", p.Messages))
	return errors.Join(errs...)
}

// Validate reports every way q breaks the ListUpdates contract, each
// error wrapping ErrInvalidArgument.
func (q UpdateQuery) Validate() error {
	var errs []error
	if !q.Topic.Valid() {
		errs = append(errs, invalid("topic %q is not a valid topic", q.Topic))
	}
	errs = appendErr(errs, validLimit(q.Limit))
	if _, err := q.DecodeCursor(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// PageSize is the number of updates the page holds at most.
func (q UpdateQuery) PageSize() int { return pageSize(q.Limit) }

type updateCursorJSON struct {
	Key int64  `json:"u"`
	ID  string `json:"i"`
}

// NextCursor is the opaque cursor of the page that ends with u.
func (q UpdateQuery) NextCursor(u Update) string {
	b, _ := json.Marshal(updateCursorJSON{Key: StoredTime(u.CreatedAt).UnixMicro(), ID: u.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads q.Cursor: the next page holds the updates ordered
// after Key (CreatedAt) and ID, newest first. An empty cursor returns the
// zero position and no error; a malformed one ErrInvalidArgument.
func (q UpdateQuery) DecodeCursor() (CursorPosition, error) {
	if q.Cursor == "" {
		return CursorPosition{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
	var c updateCursorJSON
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return CursorPosition{}, invalid("malformed update cursor")
	}
	return CursorPosition{Key: time.UnixMicro(c.Key).UTC(), ID: c.ID}, nil
}
