package casework

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/keyring"
	"github.com/civickit/civickit/workflow"
)

// Texting defaults.
const (
	// DefaultQuietPeriod is how long a conversation waits for an answer
	// before Texting.Remind sends its resume message.
	DefaultQuietPeriod = 30 * time.Minute
	// DefaultConversationLifetime is how long an unanswered conversation
	// is kept before it is forgotten.
	DefaultConversationLifetime = 7 * 24 * time.Hour
	// maxConflictRetries bounds the retries of a step that lost a race
	// with another message from the same person.
	maxConflictRetries = 4
)

// TextService is one service a person can start by text message: a
// keyword ("POTHOLE"), the form it asks and the case type it opens.
type TextService struct {
	// Keywords map each word that starts the service to the language the
	// conversation is held in: {"POTHOLE": "en", "BACHE": "es"}. Words
	// are matched without regard to case or accents, as the first word
	// of a message.
	Keywords map[string]string
	// Form is the form asked, one question per message
	// (forms.NewConversation).
	Form *forms.Form
	// Type is the case type the answers open (workflow.OpenParams.Type).
	Type string
	// Conversation tunes how the form is asked; nil means the defaults.
	Conversation *forms.ConversationConfig
}

// ConsentRecorder records a person's consent to text messages;
// *feedback.Preferences implements it.
type ConsentRecorder interface {
	RecordConsent(ctx context.Context, c adapters.Consent) error
}

// TextingConfig configures NewTexting.
type TextingConfig struct {
	// Channel is the channel conversations run on; default "sms".
	Channel string
	// Services are the services a person can start by keyword; at least
	// one, keywords unique across them.
	Services []TextService
	// Store keeps conversations and enqueues the messages that answer
	// them (adapters.Store implements it).
	Store adapters.ConversationStore
	// Engine opens the case a finished conversation submits.
	Engine *workflow.Engine
	// Consent records that a person who texted a keyword agreed to the
	// replies of that conversation and to its case's updates by text.
	Consent ConsentRecorder
	// Next takes every reply that is not part of a conversation (a reply
	// to a notification, an opt-out word): usually *feedback.Inbound. A
	// STOP inside a conversation ends it and is passed on too, so that
	// the opt-out is recorded.
	Next adapters.ReplyHandler
	// Template is the outbox template of the conversation's messages,
	// whose data is {"text": ...}; default feedback.ConversationTemplate.
	Template string
	// QuietPeriod is how long an unanswered question waits before Remind
	// sends the resume message (default DefaultQuietPeriod); Lifetime how
	// long after the last answer the conversation is forgotten (default
	// DefaultConversationLifetime, more than QuietPeriod).
	QuietPeriod, Lifetime time.Duration
	// Ring, when set, seals the answers the form marks as PII while the
	// conversation is stored (forms.Form.Seal).
	Ring *keyring.KeyRing
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger records conversations by form and step, never by number or
	// answer (default: discard).
	Logger *slog.Logger
}

// Texting runs forms as text-message conversations: the
// adapters.ReplyHandler an inbound text channel (adapters/twilio) calls.
// A message whose first word is a service keyword starts that service's
// form; the person's next messages answer it one question at a time
// (forms.Conversation), each answer stored with the question that follows
// it in one store call (adapters.ConversationStore.SaveConversation), so
// the conversation survives restarts and no answer is lost. Confirming
// the summary opens a case with channel "sms" through the same
// workflow.Engine.Open the web form uses, submitted by "sms:<number>", so
// the case's notifications come back by text. Every other message goes
// to TextingConfig.Next. It is safe for concurrent use, also by several
// processes sharing one store.
type Texting struct {
	cfg      TextingConfig
	services []textService
	byWord   map[string]keyword
	log      *slog.Logger
}

// keyword is what a folded keyword starts: a service (an index into
// services) in a language.
type keyword struct {
	service int
	locale  string
}

type textService struct {
	TextService
	conv *forms.Conversation
}

var _ adapters.ReplyHandler = (*Texting)(nil)

// NewTexting checks cfg and prepares each service's form as a
// conversation: a form that cannot be asked by text (a required file, a
// required PII field not allowed on the channel) is an error naming it.
func NewTexting(cfg TextingConfig) (*Texting, error) {
	if cfg.Channel == "" {
		cfg.Channel = adapters.ChannelSMS
	}
	if cfg.Template == "" {
		cfg.Template = feedback.ConversationTemplate
	}
	if cfg.QuietPeriod == 0 {
		cfg.QuietPeriod = DefaultQuietPeriod
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = DefaultConversationLifetime
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{adapters.ErrInvalidArgument}, a...)...))
	}
	if cfg.Store == nil {
		bad("nil Store")
	}
	if cfg.Engine == nil {
		bad("nil Engine")
	}
	if cfg.Consent == nil {
		bad("nil Consent")
	}
	if cfg.Next == nil {
		bad("nil Next")
	}
	if cfg.QuietPeriod < 0 || cfg.Lifetime <= cfg.QuietPeriod {
		bad("QuietPeriod %v must be positive and below Lifetime %v", cfg.QuietPeriod, cfg.Lifetime)
	}
	if len(cfg.Services) == 0 {
		bad("no Services")
	}
	t := &Texting{cfg: cfg, byWord: map[string]keyword{}, log: cfg.Logger}
	if t.log == nil {
		t.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for i, s := range cfg.Services {
		if s.Form == nil || s.Type == "" || len(s.Keywords) == 0 {
			bad("service %d needs a Form, a Type and Keywords", i)
			continue
		}
		for w, locale := range s.Keywords {
			k := forms.Fold(w)
			if k == "" || strings.ContainsFunc(k, unicode.IsSpace) {
				bad("service %q: keyword %q is not one word", s.Type, w)
			} else if dup, ok := t.byWord[k]; ok {
				bad("keyword %q names both service %q and %q", w, cfg.Services[dup.service].Type, s.Type)
			}
			t.byWord[k] = keyword{service: i, locale: locale}
		}
		conv, err := forms.NewConversation(s.Form, s.Conversation)
		if err != nil {
			errs = append(errs, fmt.Errorf("service %q: %w", s.Type, err))
			continue
		}
		t.services = append(t.services, textService{TextService: s, conv: conv})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("casework: new texting: %w", err)
	}
	return t, nil
}

// storedChat is what a conversation's State holds: the form's state (its
// PII values sealed when a ring is set) and the provider ids of the
// latest messages taken in, so a redelivered message is taken once.
type storedChat struct {
	Chat forms.ChatState `json:"chat"`
	Seen []string        `json:"seen,omitempty"`
}

// seenKept is how many recent provider ids a conversation remembers.
const seenKept = 8

// HandleReply takes one text message. On another channel, or from
// someone with no conversation whose message starts no service, it is
// passed to Next. Otherwise it starts, answers, or ends a conversation
// and enqueues the reply to send back. A message the conversation has
// already taken (the same ProviderID) changes nothing.
func (t *Texting) HandleReply(ctx context.Context, r adapters.Reply) error {
	if r.Channel != t.cfg.Channel {
		return t.cfg.Next.HandleReply(ctx, r)
	}
	if r.At.IsZero() {
		r.At = t.cfg.Now()
	}
	for range maxConflictRetries {
		err := t.handle(ctx, r)
		if !errors.Is(err, adapters.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("casework: text from another message of the same person kept conflicting: %w", adapters.ErrUnavailable)
}

func (t *Texting) handle(ctx context.Context, r adapters.Reply) error {
	now := t.cfg.Now()
	c, err := t.cfg.Store.GetConversation(ctx, r.Channel, r.From, now)
	switch {
	case errors.Is(err, adapters.ErrNotFound):
		return t.start(ctx, r, now)
	case err != nil:
		return err
	}
	svc, ok := t.service(c.FormID, c.FormVersion)
	if !ok {
		// The form is no longer served: forget the conversation and treat
		// the message as any other.
		if err := t.cfg.Store.DeleteConversation(ctx, c.Channel, c.Address, c.Version); err != nil && !errors.Is(err, adapters.ErrNotFound) {
			return err
		}
		return t.start(ctx, r, now)
	}
	st, err := t.load(svc, c)
	if err != nil {
		return err
	}
	if r.ProviderID != "" && slices.Contains(st.Seen, r.ProviderID) {
		return nil
	}
	st.Seen = remember(st.Seen, r.ProviderID)
	// An answer after a quiet period is still an answer: the resume
	// message Remind sent (or the question before it) said what is asked.
	chat, turn := svc.conv.Step(st.Chat, r.Body)
	st.Chat = chat
	switch {
	case turn.Stop:
		if err := t.cfg.Store.DeleteConversation(ctx, c.Channel, c.Address, c.Version); err != nil && !errors.Is(err, adapters.ErrNotFound) {
			return err
		}
		t.log.InfoContext(ctx, "casework: text conversation stopped", "form", c.FormID)
		// The opt-out itself, and its one confirmation, are the
		// preferences' to record.
		return t.cfg.Next.HandleReply(ctx, r)
	case turn.Submit:
		return t.submit(ctx, svc, c, st, r, now)
	}
	return t.save(ctx, svc, c, st, turn.Text, now)
}

// start begins the service the message's first word names, or passes the
// message on.
func (t *Texting) start(ctx context.Context, r adapters.Reply, now time.Time) error {
	var first string
	if words := strings.Fields(r.Body); len(words) > 0 {
		first = words[0]
	}
	kw, ok := t.byWord[forms.Fold(first)]
	if !ok {
		return t.cfg.Next.HandleReply(ctx, r)
	}
	svc, locale := &t.services[kw.service], kw.locale
	if err := t.cfg.Consent.RecordConsent(ctx, adapters.Consent{Channel: r.Channel, Address: r.From, Via: r.Channel,
		Words: "Texted " + strings.ToUpper(first) + " to start " + svc.Form.Title(locale) + " by text message", At: r.At}); err != nil {
		return err
	}
	chat, turn := svc.conv.Start(locale)
	c := adapters.Conversation{Channel: r.Channel, Address: r.From, FormID: svc.Form.ID(), FormVersion: svc.Form.Version(),
		Locale: chat.Locale, StartedAt: now}
	t.log.InfoContext(ctx, "casework: text conversation started", "form", c.FormID)
	return t.save(ctx, svc, c, storedChat{Chat: chat, Seen: remember(nil, r.ProviderID)}, turn.Text, now)
}

// submit opens the case the confirmed answers make and ends the
// conversation with its reference. The case's key comes from the
// conversation, so a retry after a failure between the two writes finds
// the case the first attempt opened.
func (t *Texting) submit(ctx context.Context, svc *textService, c adapters.Conversation, st storedChat, r adapters.Reply, now time.Time) error {
	vals, err := svc.conv.Values(st.Chat)
	if err != nil {
		return err
	}
	if t.cfg.Ring != nil {
		// Where PII is sealed at rest, the case and its submission keep
		// it sealed too.
		if vals, err = svc.Form.Seal(vals, t.cfg.Ring); err != nil {
			return err
		}
	}
	data, err := json.Marshal(vals)
	if err != nil {
		return err
	}
	sub := svc.Form.Submission(data)
	op := workflow.OpenParams{Type: svc.Type, Actor: workflow.Actor{Subject: r.Channel + ":" + r.From}, Channel: r.Channel, Submission: &sub,
		IdempotencyKey: "text:" + hashParts(c.Channel, c.Address, c.StartedAt.UTC().Format(time.RFC3339Nano))}
	opened, err := t.cfg.Engine.Open(ctx, op)
	if err != nil {
		return err
	}
	t.log.InfoContext(ctx, "casework: text conversation submitted", "form", c.FormID, "case", opened.ID)
	st.Chat.Done = true
	text := svc.conv.Received(st.Chat, opened.ID)
	// Expiring now, the finished conversation is gone for every later
	// read; the store keeps it only until DeleteExpiredConversations.
	c.ExpiresAt = now
	return t.write(ctx, svc, c, st, text, now)
}

// save stores the conversation after an answer, with its next message:
// the answer renews its lifetime and clears any reminder.
func (t *Texting) save(ctx context.Context, svc *textService, c adapters.Conversation, st storedChat, text string, now time.Time) error {
	c.ExpiresAt = now.Add(t.cfg.Lifetime)
	c.RemindedAt = time.Time{}
	return t.write(ctx, svc, c, st, text, now)
}

// write seals and stores st in c, last answered at answered, with one
// outgoing message.
func (t *Texting) write(ctx context.Context, svc *textService, c adapters.Conversation, st storedChat, text string, answered time.Time) error {
	if t.cfg.Ring != nil {
		sealed, err := svc.Form.Seal(st.Chat.Values, t.cfg.Ring)
		if err != nil {
			return err
		}
		st.Chat.Values = sealed
	}
	state, err := json.Marshal(st)
	if err != nil {
		return err
	}
	c.State = state
	c.Locale = st.Chat.Locale
	c.UpdatedAt = answered
	_, err = t.cfg.Store.SaveConversation(ctx, c, t.messages(c, text, t.cfg.Now()))
	return err
}

// messages is the one message a step sends back, its id and key derived
// from the conversation and the version being written, so a retried step
// writes the same message.
func (t *Texting) messages(c adapters.Conversation, text string, now time.Time) []adapters.Message {
	if text == "" {
		return nil
	}
	data, _ := json.Marshal(map[string]string{"text": text})
	id := "text-" + hashParts(c.Channel, c.Address, c.StartedAt.UTC().Format(time.RFC3339Nano), strconv.FormatInt(c.Version+1, 10))
	return []adapters.Message{{ID: id, IdempotencyKey: id, Channel: c.Channel, Recipient: c.Channel + ":" + c.Address,
		Template: t.cfg.Template, Locale: c.Locale, Data: data, CreatedAt: now}}
}

// load opens a stored conversation's state.
func (t *Texting) load(svc *textService, c adapters.Conversation) (storedChat, error) {
	var st storedChat
	if err := json.Unmarshal(c.State, &st); err != nil {
		return st, fmt.Errorf("casework: stored text conversation: %w", err)
	}
	if t.cfg.Ring != nil && st.Chat.Values != nil {
		vals, err := svc.Form.Open(st.Chat.Values, t.cfg.Ring)
		if err != nil {
			return st, err
		}
		st.Chat.Values = vals
	}
	return st, nil
}

// Remind sends the resume message to each conversation unanswered for
// the quiet period and not reminded since, up to limit of them (1..
// adapters.MaxClaim), and says how many it reminded. Run it every few
// minutes (Run does); any number of processes may.
func (t *Texting) Remind(ctx context.Context, limit int) (int, error) {
	now := t.cfg.Now()
	quiet, err := t.cfg.Store.ListQuietConversations(ctx, now.Add(-t.cfg.QuietPeriod), now, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range quiet {
		svc, ok := t.service(c.FormID, c.FormVersion)
		if !ok {
			continue
		}
		st, err := t.load(svc, c)
		if err != nil {
			return n, err
		}
		turn := svc.conv.Resume(st.Chat)
		c.RemindedAt = now
		if err := t.write(ctx, svc, c, st, turn.Text, c.UpdatedAt); errors.Is(err, adapters.ErrConflict) {
			continue // the person answered meanwhile
		} else if err != nil {
			return n, err
		}
		n++
	}
	if _, err := t.cfg.Store.DeleteExpiredConversations(ctx, now); err != nil {
		return n, err
	}
	return n, nil
}

// Run calls Remind every interval until ctx ends, logging errors, and
// returns ctx's error.
func (t *Texting) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = time.Minute
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := t.Remind(ctx, 100); err != nil && ctx.Err() == nil {
			t.log.WarnContext(ctx, "casework: reminding quiet text conversations", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (t *Texting) service(formID string, version int) (*textService, bool) {
	for i := range t.services {
		if f := t.services[i].Form; f.ID() == formID && f.Version() == version {
			return &t.services[i], true
		}
	}
	return nil, false
}

func remember(seen []string, id string) []string {
	if id == "" {
		return seen
	}
	seen = append(seen, id)
	if len(seen) > seenKept {
		seen = seen[len(seen)-seenKept:]
	}
	return seen
}

func hashParts(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
