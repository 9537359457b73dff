package feedback

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/civickit/civickit/adapters"
)

// updateData is the message data whose keys OfficialUpdateTemplateFields
// lists.
type updateData struct {
	Topic    adapters.Topic `json:"topic"`
	Title    string         `json:"title"`
	Body     string         `json:"body"`
	UpdateID string         `json:"updateId"`
}

// UpdatesConfig tunes Updates. The zero value, and a nil *UpdatesConfig,
// mean the documented defaults.
type UpdatesConfig struct {
	// Now is the clock that stamps updates (default time.Now).
	Now func() time.Time
	// NewID returns a new, unique update id (default: 128 random bits
	// from crypto/rand as base32 text).
	NewID func() string
}

// Updates posts official updates: each is stored with one message to the
// subscribers of its topic, in one store call, so followers hear of
// every update that is stored and of no other. Safe for concurrent use.
type Updates struct {
	store adapters.UpdateStore
	now   func() time.Time
	newID func() string
}

// NewUpdates builds Updates over store.
func NewUpdates(store adapters.UpdateStore, cfg *UpdatesConfig) (*Updates, error) {
	if store == nil {
		return nil, fmt.Errorf("feedback: updates need a store: %w", adapters.ErrInvalidArgument)
	}
	u := &Updates{store: store, now: time.Now, newID: rand.Text}
	if cfg != nil && cfg.Now != nil {
		u.now = cfg.Now
	}
	if cfg != nil && cfg.NewID != nil {
		u.newID = cfg.NewID
	}
	return u, nil
}

// UpdateInput is one official update to post.
type UpdateInput struct {
	// Topic is what the update is about.
	Topic adapters.Topic
	// Author is the identity subject of the staff member posting it, and
	// AuthorIssuer its issuer.
	Author, AuthorIssuer string
	// Title (at most adapters.MaxUpdateTitle characters) and Body (at
	// most adapters.MaxUpdateBody) are plain text.
	Title, Body string
	// Template names the message template; empty means OfficialUpdateTemplate.
	Template string
}

// PostUpdate stores the update and, in the same store call, one message
// to adapters.SubscribersOf(in.Topic) (template in.Template or
// OfficialUpdateTemplate, data with OfficialUpdateTemplateFields), which the store
// expands into one message per subscriber. The message's id and
// idempotency key are "update/" and the update's id; its channel and
// locale are left to the dispatcher, which picks each person's. Invalid
// input (see adapters.UpdateParams.Validate) is
// adapters.ErrInvalidArgument.
func (u *Updates) PostUpdate(ctx context.Context, in UpdateInput) (adapters.Update, error) {
	up := adapters.Update{
		ID: u.newID(), Topic: in.Topic, Author: in.Author, AuthorIssuer: in.AuthorIssuer,
		Title: in.Title, Body: in.Body, CreatedAt: adapters.StoredTime(u.now()),
	}
	template := in.Template
	if template == "" {
		template = OfficialUpdateTemplate
	}
	data, err := json.Marshal(updateData{Topic: up.Topic, Title: up.Title, Body: up.Body, UpdateID: up.ID})
	if err != nil {
		return adapters.Update{}, fmt.Errorf("feedback: post update on %q: %w", in.Topic, err)
	}
	name := "update/" + up.ID
	msg := adapters.Message{
		ID: name, IdempotencyKey: name, Recipient: adapters.SubscribersOf(up.Topic),
		Template: template, Data: data, CreatedAt: up.CreatedAt,
	}
	if err := u.store.PostUpdate(ctx, adapters.UpdateParams{Update: up, Messages: []adapters.Message{msg}}); err != nil {
		return adapters.Update{}, fmt.Errorf("feedback: post update on %q: %w", in.Topic, err)
	}
	return up, nil
}
