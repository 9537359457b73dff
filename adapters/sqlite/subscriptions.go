package sqlite

import (
	"context"
	"fmt"

	"github.com/civickit/civickit/adapters"
)

const (
	// expandMsg writes one message per subscriber of a topic (see
	// adapters.SubscribersOf), in one statement whatever their number. It
	// names its columns, so columns added later take their defaults.
	expandMsg = `INSERT INTO messages (id, case_id, channel, recipient, template, locale, data, idempotency_key,
		status, attempts, next_attempt_at, last_error, lease_owner, created_at)
		SELECT ? || '/' || person, ?, ?, person, ?, ?, ?, ? || '/' || person, 'pending', 0, ?, '', '', ?
		FROM subscriptions WHERE topic = ? ORDER BY person`
	subscribe         = `INSERT INTO subscriptions (topic, person, created_at) VALUES (?, ?, ?) ON CONFLICT (topic, person) DO NOTHING`
	unsubscribe       = `DELETE FROM subscriptions WHERE topic = ? AND person = ?`
	listSubscriptions = `SELECT topic, person, created_at FROM subscriptions WHERE person = ? ORDER BY topic`
	listSubscribers   = `SELECT topic, person, created_at FROM subscriptions WHERE topic = ? AND person > ? ORDER BY person LIMIT ?`
	countSubscribers  = `SELECT count(*) FROM subscriptions WHERE topic = ?`

	updateCols     = `id, topic, author, author_issuer, title, body, created_at`
	insertUpdate   = `INSERT INTO updates (` + updateCols + `) VALUES (?, ?, ?, ?, ?, ?, ?)`
	getUpdate      = `SELECT ` + updateCols + ` FROM updates WHERE id = ?`
	listUpdates    = `SELECT ` + updateCols + ` FROM updates WHERE topic = ? ORDER BY created_at DESC, id DESC LIMIT ?`
	listUpdatesPos = `SELECT ` + updateCols + ` FROM updates WHERE topic = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`
)

// expandMessage writes m, addressed to the subscribers of t, as one
// message per subscriber; m.CaseID is already filled in.
func expandMessage(ctx context.Context, w *writer, t adapters.Topic, m adapters.Message) error {
	_, err := w.exec(ctx, expandMsg, m.ID, m.CaseID, m.Channel, m.Template, m.Locale, jsonArg(m.Data), m.IdempotencyKey,
		timeArg(m.NextAttemptAt), timeArg(m.CreatedAt), string(t))
	return err
}

func subscriptionDest(s *adapters.Subscription) []any {
	return []any{(*string)(&s.Topic), &s.Person, nullTime{&s.CreatedAt}}
}

func updateDest(u *adapters.Update) []any {
	return []any{&u.ID, (*string)(&u.Topic), &u.Author, &u.AuthorIssuer, &u.Title, &u.Body, nullTime{&u.CreatedAt}}
}

// Subscribe implements adapters.SubscriptionStore.
func (s *Store) Subscribe(ctx context.Context, sub adapters.Subscription) error {
	if err := sub.Validate(); err != nil {
		return fmt.Errorf("sqlite: subscribe to %q: %w", sub.Topic, err)
	}
	err := s.write(ctx, func(w *writer) error {
		_, err := w.exec(ctx, subscribe, string(sub.Topic), sub.Person, timeArg(sub.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: subscribe to %q: %w", sub.Topic, err)
	}
	return nil
}

// Unsubscribe implements adapters.SubscriptionStore.
func (s *Store) Unsubscribe(ctx context.Context, topic adapters.Topic, person string) error {
	if topic == "" || person == "" {
		return fmt.Errorf("sqlite: unsubscribe from %q: %w", topic, emptyArg("topic or person id"))
	}
	err := s.write(ctx, func(w *writer) error {
		n, err := w.execN(ctx, unsubscribe, string(topic), person)
		if err == nil && n == 0 {
			err = adapters.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: unsubscribe from %q: %w", topic, err)
	}
	return nil
}

// ListSubscriptions implements adapters.SubscriptionStore.
func (s *Store) ListSubscriptions(ctx context.Context, person string) ([]adapters.Subscription, error) {
	if person == "" {
		return nil, fmt.Errorf("sqlite: list subscriptions: %w", emptyArg("person id"))
	}
	subs, err := readRows(ctx, s, subscriptionDest, listSubscriptions, person)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list subscriptions: %w", err)
	}
	if subs == nil {
		subs = []adapters.Subscription{}
	}
	return subs, nil
}

// ListSubscribers implements adapters.SubscriptionStore.
func (s *Store) ListSubscribers(ctx context.Context, q adapters.SubscriberQuery) (adapters.SubscriberPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.SubscriberPage{}, fmt.Errorf("sqlite: list subscribers of %q: %w", q.Topic, err)
	}
	after, _ := q.After()
	n := q.PageSize()
	subs, err := readRows(ctx, s, subscriptionDest, listSubscribers, string(q.Topic), after, n+1)
	if err != nil {
		return adapters.SubscriberPage{}, fmt.Errorf("sqlite: list subscribers of %q: %w", q.Topic, err)
	}
	var page adapters.SubscriberPage
	if len(subs) > n {
		subs = subs[:n]
		page.NextCursor = q.NextCursor(subs[n-1])
	}
	page.Subscriptions = subs
	return page, nil
}

// CountSubscribers implements adapters.SubscriptionStore.
func (s *Store) CountSubscribers(ctx context.Context, topic adapters.Topic) (int64, error) {
	if topic == "" {
		return 0, fmt.Errorf("sqlite: count subscribers: %w", emptyArg("topic"))
	}
	var n int64
	if err := s.readRow(ctx, countSubscribers, []any{string(topic)}, &n); err != nil {
		return 0, fmt.Errorf("sqlite: count subscribers of %q: %w", topic, err)
	}
	return n, nil
}

// PostUpdate implements adapters.UpdateStore.
func (s *Store) PostUpdate(ctx context.Context, p adapters.UpdateParams) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("sqlite: post update %q: %w", p.Update.ID, err)
	}
	u := p.Update
	err := s.write(ctx, func(w *writer) error {
		if _, err := w.exec(ctx, insertUpdate, u.ID, string(u.Topic), u.Author, u.AuthorIssuer, u.Title, u.Body, timeArg(u.CreatedAt)); err != nil {
			return err
		}
		return insertMessages(ctx, w, "", p.Messages)
	})
	if err != nil {
		return fmt.Errorf("sqlite: post update %q: %w", u.ID, err)
	}
	return nil
}

// GetUpdate implements adapters.UpdateStore.
func (s *Store) GetUpdate(ctx context.Context, id string) (adapters.Update, error) {
	if id == "" {
		return adapters.Update{}, fmt.Errorf("sqlite: get update: %w", emptyArg("update id"))
	}
	var u adapters.Update
	if err := s.readRow(ctx, getUpdate, []any{id}, updateDest(&u)...); err != nil {
		return adapters.Update{}, fmt.Errorf("sqlite: get update %q: %w", id, err)
	}
	return u, nil
}

// ListUpdates implements adapters.UpdateStore.
func (s *Store) ListUpdates(ctx context.Context, q adapters.UpdateQuery) (adapters.UpdatePage, error) {
	if err := q.Validate(); err != nil {
		return adapters.UpdatePage{}, fmt.Errorf("sqlite: list updates of %q: %w", q.Topic, err)
	}
	pos, _ := q.DecodeCursor()
	n := q.PageSize()
	var updates []adapters.Update
	var err error
	if q.Cursor == "" {
		updates, err = readRows(ctx, s, updateDest, listUpdates, string(q.Topic), n+1)
	} else {
		updates, err = readRows(ctx, s, updateDest, listUpdatesPos, string(q.Topic), micros(pos.Key), pos.ID, n+1)
	}
	if err != nil {
		return adapters.UpdatePage{}, fmt.Errorf("sqlite: list updates of %q: %w", q.Topic, err)
	}
	var page adapters.UpdatePage
	if len(updates) > n {
		updates = updates[:n]
		page.NextCursor = q.NextCursor(updates[n-1])
	}
	page.Updates = updates
	return page, nil
}
