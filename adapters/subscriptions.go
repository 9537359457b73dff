package adapters

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Subscription records that a person follows a topic: every message
// addressed to SubscribersOf(Topic) reaches them.
type Subscription struct {
	// Topic is what is followed.
	Topic Topic
	// Person is the follower's person id (see Person.ID).
	Person string
	// CreatedAt is when the person first followed the topic.
	CreatedAt time.Time
}

// SubscriberQuery pages ListSubscribers.
type SubscriberQuery struct {
	// Topic names the topic whose subscribers are listed.
	Topic Topic
	// Limit is the page size: 0 means DefaultPageSize; above MaxPageSize
	// or negative is ErrInvalidArgument.
	Limit int
	// Cursor is the NextCursor of the previous page, or empty.
	Cursor string
}

// SubscriberPage is one page of ListSubscribers.
type SubscriberPage struct {
	// Subscriptions are the topic's subscriptions, ordered by person id.
	Subscriptions []Subscription
	// NextCursor continues the listing; empty on the last page.
	NextCursor string
}

// SubscriptionStore keeps who follows which topic. It is safe for
// concurrent use; every method is one transaction.
//
// The stores read subscriptions when they expand a message addressed to
// SubscribersOf(topic) (see SubscribersOf): in the transaction that writes
// the message, so a subscription written concurrently is either wholly in
// the expansion or wholly out of it.
type SubscriptionStore interface {
	// Subscribe records s (see Subscription.Validate). Subscribing again
	// is not an error and changes nothing: the first CreatedAt stays.
	Subscribe(ctx context.Context, s Subscription) error
	// Unsubscribe deletes the person's subscription to the topic; a
	// missing one is ErrNotFound.
	Unsubscribe(ctx context.Context, topic Topic, person string) error
	// ListSubscriptions returns the person's subscriptions ordered by
	// topic; none is an empty list, not an error.
	ListSubscriptions(ctx context.Context, person string) ([]Subscription, error)
	// ListSubscribers returns one page of the topic's subscriptions
	// ordered by person id, and a cursor for the next page (empty on the
	// last). Keyset pagination: subscriptions added or removed between
	// pages never make a page skip or repeat one that stayed.
	ListSubscribers(ctx context.Context, q SubscriberQuery) (SubscriberPage, error)
	// CountSubscribers counts the topic's subscriptions.
	CountSubscribers(ctx context.Context, topic Topic) (int64, error)
}

// Validate reports every way s breaks the Subscribe contract, each error
// wrapping ErrInvalidArgument: the topic must be valid (Topic.Valid), the
// person id non-empty, valid UTF-8 and at most MaxPersonIDLen bytes, and the
// creation time set.
func (s Subscription) Validate() error {
	var errs []error
	if !s.Topic.Valid() {
		errs = append(errs, invalid("topic %q is not a valid topic", s.Topic))
	}
	errs = appendErr(errs, ValidatePersonID(s.Person))
	if s.CreatedAt.IsZero() {
		errs = append(errs, invalid("subscription created time is zero"))
	}
	return errors.Join(errs...)
}

// ValidatePersonID reports a person id that is empty, longer than
// MaxPersonIDLen bytes or not valid UTF-8, wrapping ErrInvalidArgument.
func ValidatePersonID(person string) error {
	switch {
	case person == "":
		return invalid("person id is empty")
	case len(person) > MaxPersonIDLen:
		return invalid("person id is longer than %d bytes", MaxPersonIDLen)
	case !utf8.ValidString(person):
		return invalid("person id is not valid UTF-8")
	}
	return nil
}

// Validate reports every way q breaks the ListSubscribers contract, each
// error wrapping ErrInvalidArgument.
func (q SubscriberQuery) Validate() error {
	var errs []error
	if !q.Topic.Valid() {
		errs = append(errs, invalid("topic %q is not a valid topic", q.Topic))
	}
	errs = appendErr(errs, validLimit(q.Limit))
	if _, err := q.After(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validLimit checks a page size against 0..MaxPageSize.
func validLimit(limit int) error {
	if limit < 0 || limit > MaxPageSize {
		return invalid("page size %d is outside 0..%d", limit, MaxPageSize)
	}
	return nil
}

func pageSize(limit int) int {
	if limit == 0 {
		return DefaultPageSize
	}
	return limit
}

// PageSize is the number of subscriptions the page holds at most.
func (q SubscriberQuery) PageSize() int { return pageSize(q.Limit) }

// subscriberCursorPrefix tells a subscriber cursor from other cursors.
const subscriberCursorPrefix = "s:"

// NextCursor is the opaque cursor of the page that ends with s.
func (q SubscriberQuery) NextCursor(s Subscription) string {
	return base64.RawURLEncoding.EncodeToString([]byte(subscriberCursorPrefix + s.Person))
}

// After returns the person id q.Cursor continues after: the next page
// holds the persons ordered after it. An empty cursor returns "" and no
// error; a malformed one ErrInvalidArgument.
func (q SubscriberQuery) After() (string, error) {
	if q.Cursor == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
	person, ok := strings.CutPrefix(string(b), subscriberCursorPrefix)
	if err != nil || !ok || person == "" {
		return "", invalid("malformed subscriber cursor")
	}
	return person, nil
}

// SubscriberTopic returns the topic whose subscribers m is addressed to,
// if it is: SubscribersOf(topic) names the topic, RecipientSubscribers
// the topic of m's case (CaseTopic(m.CaseID); stores fill CaseID in
// before they ask). Any other recipient is one person.
func (m Message) SubscriberTopic() (Topic, bool) {
	if m.Recipient == RecipientSubscribers {
		return CaseTopic(m.CaseID), true
	}
	if t, ok := strings.CutPrefix(m.Recipient, RecipientSubscribersPrefix); ok {
		return Topic(t), true
	}
	return "", false
}

// ForSubscriber is the message m, addressed to subscribers, expands into
// for one subscriber: Recipient the person id, ID and IdempotencyKey the
// original's followed by "/" and the person id, every other field copied.
// SQL stores build the same rows in SQL.
func (m Message) ForSubscriber(person string) Message {
	m.Recipient = person
	m.ID += "/" + person
	m.IdempotencyKey += "/" + person
	return m
}

// validateAddressed reports a message addressed to subscribers that names
// no valid topic: RecipientSubscribers without a case, or
// SubscribersOf with an invalid topic. caseID is the call's case.
func validateAddressed(i int, caseID string, m Message) error {
	if m.CaseID == "" {
		m.CaseID = caseID
	}
	t, ok := m.SubscriberTopic()
	switch {
	case !ok:
		return nil
	case m.Recipient == RecipientSubscribers && m.CaseID == "":
		return invalid("message %d is addressed to the subscribers of its case but has no case", i)
	case !t.Valid():
		return invalid("message %d is addressed to the subscribers of %q, not a valid topic", i, t)
	}
	return nil
}
