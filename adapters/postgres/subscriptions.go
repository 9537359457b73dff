package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/civickit/civickit/adapters"
)

// subscriptionStatements is the SQL of subscriptions and updates,
// qualified with the store's schema.
type subscriptionStatements struct {
	subscribe, unsubscribe, listSubscriptions, listSubscribers, countSubscribers string
	postUpdate, getUpdate, listUpdates, listUpdatesAfter                         string
	// enqueueExpanding is statements.enqueue that also expands the
	// addressed messages of its parameters $11..$20.
	enqueueExpanding string
	// createCaseExpanding is statements.createCase that also expands the
	// addressed messages of its parameters $45..$53.
	createCaseExpanding string
}

const updateCols = `id, topic, author, author_issuer, title, body, created_at`

// expandMessages writes one message per subscriber of each addressed
// message (see adapters.SubscribersOf), in one INSERT ... SELECT from the
// subscriptions however many there are, from the 9 arrays starting at
// parameter p in messageArgs' order with the topic in the recipient's
// place; withCase adds a 10th array of case ids, read as m.case_id. It
// names its columns, so columns added to messages later take their
// defaults.
func expandMessages(caseID, from string, p int, withCase bool) string {
	cols, caseArray := "", ""
	if withCase {
		cols, caseArray = ", case_id", fmt.Sprintf(", $%d::text[]", p+9)
	}
	return fmt.Sprintf(`INSERT INTO {s}.messages (id, case_id, channel, recipient, template, locale, data, idempotency_key, status, next_attempt_at, created_at)
		SELECT m.id || '/' || sb.person, %[1]s, m.channel, sb.person, m.template, m.locale, m.data::jsonb, m.key || '/' || sb.person, 'pending', m.next_attempt_at, m.created_at
		FROM %[2]s unnest($%[3]d::text[], $%[4]d::text[], $%[5]d::text[], $%[6]d::text[], $%[7]d::text[], $%[8]d::text[], $%[9]d::text[], $%[10]d::timestamptz[], $%[11]d::timestamptz[]%[12]s)
			AS m (id, channel, topic, template, locale, data, key, next_attempt_at, created_at%[13]s)
		JOIN {s}.subscriptions sb ON sb.topic = m.topic`,
		caseID, from, p, p+1, p+2, p+3, p+4, p+5, p+6, p+7, p+8, caseArray, cols)
}

func newSubscriptionStatements(st *statements) subscriptionStatements {
	var ss subscriptionStatements
	ss.subscribe = `INSERT INTO {s}.subscriptions (topic, person, created_at) VALUES ($1, $2, $3) ON CONFLICT (topic, person) DO NOTHING`
	ss.unsubscribe = `DELETE FROM {s}.subscriptions WHERE topic = $1 AND person = $2`
	ss.listSubscriptions = `SELECT topic, person, created_at FROM {s}.subscriptions WHERE person = $1 ORDER BY topic`
	ss.listSubscribers = `SELECT topic, person, created_at FROM {s}.subscriptions WHERE topic = $1 AND person > $2 ORDER BY person LIMIT $3`
	ss.countSubscribers = `SELECT count(*) FROM {s}.subscriptions WHERE topic = $1`
	ss.postUpdate = `INSERT INTO {s}.updates (` + updateCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	ss.getUpdate = `SELECT ` + updateCols + ` FROM {s}.updates WHERE id = $1`
	ss.listUpdates = `SELECT ` + updateCols + ` FROM {s}.updates WHERE topic = $1 ORDER BY created_at DESC, id DESC LIMIT $2`
	ss.listUpdatesAfter = `SELECT ` + updateCols + ` FROM {s}.updates WHERE topic = $1 AND (created_at, id) < ($3, $4) ORDER BY created_at DESC, id DESC LIMIT $2`
	ss.enqueueExpanding = `WITH xm AS (
		` + expandMessages("m.case_id", "", 11, true) + `
	)
	` + st.enqueue
	ss.createCaseExpanding = strings.Replace(st.createCase, "\n\tSELECT "+caseCols+" FROM c", `, xm AS (
		`+expandMessages("$1", "", 45, false)+`
	)
	SELECT `+caseCols+` FROM c`, 1)
	if ss.createCaseExpanding == st.createCase {
		panic("postgres: the createCase statement no longer ends as createCaseExpanding expects")
	}
	return ss
}

// qualify puts the schema into every statement.
func (ss *subscriptionStatements) qualify(q string) {
	for _, p := range []*string{
		&ss.subscribe, &ss.unsubscribe, &ss.listSubscriptions, &ss.listSubscribers, &ss.countSubscribers,
		&ss.postUpdate, &ss.getUpdate, &ss.listUpdates, &ss.listUpdatesAfter,
		&ss.enqueueExpanding, &ss.createCaseExpanding,
	} {
		*p = strings.ReplaceAll(*p, "{s}", q)
	}
}

// countAddressed counts the messages addressed to subscribers.
func countAddressed(msgs []adapters.Message) int {
	n := 0
	for _, m := range msgs {
		if _, ok := m.SubscriberTopic(); ok {
			n++
		}
	}
	return n
}

// splitAddressed separates the messages addressed to subscribers from the
// others; each addressed one comes back with its topic as its Recipient,
// the shape expandMessages reads. caseID is the call's case, the default
// of the messages' CaseID.
func splitAddressed(caseID string, msgs []adapters.Message) (direct, addressed []adapters.Message) {
	n := countAddressed(msgs)
	if n == 0 {
		return msgs, nil
	}
	direct = make([]adapters.Message, 0, len(msgs)-n)
	addressed = make([]adapters.Message, 0, n)
	for _, m := range msgs {
		if m.CaseID == "" {
			m.CaseID = caseID
		}
		t, ok := m.SubscriberTopic()
		if !ok {
			direct = append(direct, m)
			continue
		}
		m.Recipient = string(t)
		addressed = append(addressed, m)
	}
	return direct, addressed
}

// enqueueStatement is the statement that writes msgs, expanding those
// addressed to subscribers, and its arguments.
func (s *Store) enqueueStatement(msgs []adapters.Message) (string, []any) {
	direct, addressed := splitAddressed("", msgs)
	args := append(messageArgs(direct), caseIDs(direct))
	if len(addressed) == 0 {
		return s.sql.enqueue, args
	}
	return s.sql.subscriptions.enqueueExpanding, append(append(args, messageArgs(addressed)...), caseIDs(addressed))
}

func caseIDs(msgs []adapters.Message) []string {
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.CaseID
	}
	return ids
}

func scanSubscription(row pgx.Row) (adapters.Subscription, error) {
	var sub adapters.Subscription
	var at pgtype.Timestamptz
	err := row.Scan((*string)(&sub.Topic), &sub.Person, &at)
	sub.CreatedAt = fromTS(at)
	return sub, err
}

func scanUpdate(row pgx.Row) (adapters.Update, error) {
	var u adapters.Update
	var at pgtype.Timestamptz
	err := row.Scan(&u.ID, (*string)(&u.Topic), &u.Author, &u.AuthorIssuer, &u.Title, &u.Body, &at)
	u.CreatedAt = fromTS(at)
	return u, err
}

// Subscribe implements adapters.SubscriptionStore.
func (s *Store) Subscribe(ctx context.Context, sub adapters.Subscription) error {
	if err := s.subscribe(ctx, sub); err != nil {
		return fmt.Errorf("postgres: subscribe to %q: %w", sub.Topic, fail(ctx, err))
	}
	return nil
}

func (s *Store) subscribe(ctx context.Context, sub adapters.Subscription) error {
	if err := sub.Validate(); err != nil {
		return err
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.Exec(ctx, s.sql.subscriptions.subscribe, string(sub.Topic), sub.Person, ts(sub.CreatedAt))
		return err
	})
}

// Unsubscribe implements adapters.SubscriptionStore.
func (s *Store) Unsubscribe(ctx context.Context, topic adapters.Topic, person string) error {
	if err := s.unsubscribe(ctx, topic, person); err != nil {
		return fmt.Errorf("postgres: unsubscribe from %q: %w", topic, fail(ctx, err))
	}
	return nil
}

func (s *Store) unsubscribe(ctx context.Context, topic adapters.Topic, person string) error {
	if topic == "" || person == "" {
		return emptyArg("topic or person id")
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, s.sql.subscriptions.unsubscribe, string(topic), person)
		if err == nil && tag.RowsAffected() == 0 {
			err = adapters.ErrNotFound
		}
		return err
	})
}

// ListSubscriptions implements adapters.SubscriptionStore.
func (s *Store) ListSubscriptions(ctx context.Context, person string) ([]adapters.Subscription, error) {
	subs, err := s.listSubscriptions(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("postgres: list subscriptions: %w", fail(ctx, err))
	}
	return subs, nil
}

func (s *Store) listSubscriptions(ctx context.Context, person string) ([]adapters.Subscription, error) {
	if person == "" {
		return nil, emptyArg("person id")
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	subs, err := queryAll(ctx, s, scanSubscription, s.sql.subscriptions.listSubscriptions, person)
	if err == nil && subs == nil {
		subs = []adapters.Subscription{}
	}
	return subs, err
}

// ListSubscribers implements adapters.SubscriptionStore.
func (s *Store) ListSubscribers(ctx context.Context, q adapters.SubscriberQuery) (adapters.SubscriberPage, error) {
	page, err := s.listSubscribers(ctx, q)
	if err != nil {
		return adapters.SubscriberPage{}, fmt.Errorf("postgres: list subscribers of %q: %w", q.Topic, fail(ctx, err))
	}
	return page, nil
}

func (s *Store) listSubscribers(ctx context.Context, q adapters.SubscriberQuery) (adapters.SubscriberPage, error) {
	if err := q.Validate(); err != nil {
		return adapters.SubscriberPage{}, err
	}
	if err := s.enter(ctx); err != nil {
		return adapters.SubscriberPage{}, err
	}
	after, _ := q.After()
	n := q.PageSize()
	subs, err := queryAll(ctx, s, scanSubscription, s.sql.subscriptions.listSubscribers, string(q.Topic), after, n+1)
	if err != nil {
		return adapters.SubscriberPage{}, err
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
	n, err := s.countSubscribers(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("postgres: count subscribers of %q: %w", topic, fail(ctx, err))
	}
	return n, nil
}

func (s *Store) countSubscribers(ctx context.Context, topic adapters.Topic) (int64, error) {
	if topic == "" {
		return 0, emptyArg("topic")
	}
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	return queryOne(ctx, s, func(row pgx.Row) (int64, error) {
		var n int64
		return n, row.Scan(&n)
	}, s.sql.subscriptions.countSubscribers, string(topic))
}

// PostUpdate implements adapters.UpdateStore: the update and its messages
// in one transaction, the messages written as EnqueueMessages writes them.
func (s *Store) PostUpdate(ctx context.Context, p adapters.UpdateParams) error {
	if err := s.postUpdate(ctx, p); err != nil {
		return fmt.Errorf("postgres: post update %q: %w", p.Update.ID, fail(ctx, err))
	}
	return nil
}

func (s *Store) postUpdate(ctx context.Context, p adapters.UpdateParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	u := p.Update
	insert := func(q querier) error {
		_, err := q.Exec(ctx, s.sql.subscriptions.postUpdate, u.ID, string(u.Topic), u.Author, u.AuthorIssuer, u.Title, u.Body, ts(u.CreatedAt))
		return err
	}
	if len(p.Messages) == 0 {
		return s.write(ctx, insert)
	}
	sql, args := s.enqueueStatement(p.Messages)
	return s.inTransaction(ctx, func(q querier) error {
		if err := insert(q); err != nil {
			return err
		}
		_, err := q.Exec(ctx, sql, args...)
		return err
	})
}

// GetUpdate implements adapters.UpdateStore.
func (s *Store) GetUpdate(ctx context.Context, id string) (adapters.Update, error) {
	u, err := s.getUpdate(ctx, id)
	if err != nil {
		return adapters.Update{}, fmt.Errorf("postgres: get update %q: %w", id, fail(ctx, err))
	}
	return u, nil
}

func (s *Store) getUpdate(ctx context.Context, id string) (adapters.Update, error) {
	if id == "" {
		return adapters.Update{}, emptyArg("update id")
	}
	if err := s.enter(ctx); err != nil {
		return adapters.Update{}, err
	}
	return queryOne(ctx, s, scanUpdate, s.sql.subscriptions.getUpdate, id)
}

// ListUpdates implements adapters.UpdateStore.
func (s *Store) ListUpdates(ctx context.Context, q adapters.UpdateQuery) (adapters.UpdatePage, error) {
	page, err := s.listUpdates(ctx, q)
	if err != nil {
		return adapters.UpdatePage{}, fmt.Errorf("postgres: list updates of %q: %w", q.Topic, fail(ctx, err))
	}
	return page, nil
}

// listUpdatesSQL is the query of one page of q, which is valid, and its
// arguments: one more row than the page holds tells whether another
// page follows.
func (s *Store) listUpdatesSQL(q adapters.UpdateQuery) (string, []any) {
	args := []any{string(q.Topic), q.PageSize() + 1}
	if q.Cursor == "" {
		return s.sql.subscriptions.listUpdates, args
	}
	pos, _ := q.DecodeCursor()
	return s.sql.subscriptions.listUpdatesAfter, append(args, ts(pos.Key), pos.ID)
}

func (s *Store) listUpdates(ctx context.Context, q adapters.UpdateQuery) (adapters.UpdatePage, error) {
	if err := q.Validate(); err != nil {
		return adapters.UpdatePage{}, err
	}
	if err := s.enter(ctx); err != nil {
		return adapters.UpdatePage{}, err
	}
	sql, args := s.listUpdatesSQL(q)
	updates, err := queryAll(ctx, s, scanUpdate, sql, args...)
	if err != nil {
		return adapters.UpdatePage{}, err
	}
	var page adapters.UpdatePage
	if n := q.PageSize(); len(updates) > n {
		updates = updates[:n]
		page.NextCursor = q.NextCursor(updates[n-1])
	}
	page.Updates = updates
	return page, nil
}
