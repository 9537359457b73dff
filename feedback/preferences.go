package feedback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/civickit/civickit/adapters"
)

// How a change was asked for: OptOutChange.Via and Consent.Via values.
const (
	// ViaKeyword is a keyword text: STOP, START.
	ViaKeyword = "keyword"
	// ViaReply is a free-text reply that asked to stop.
	ViaReply = "reply"
	// ViaLink is a one-click unsubscribe link.
	ViaLink = "link"
	// ViaAPI is a call from the embedding program: a settings page, staff.
	ViaAPI = "api"
)

// OptChangeData is the data of a confirmation message (Message.Data).
type OptChangeData struct {
	// Channel is the channel opted out of or into.
	Channel string `json:"channel"`
	// Out is true for an opt-out.
	Out bool `json:"out"`
	// Via is how the change was asked for.
	Via string `json:"via"`
}

// PreferencesConfig tunes Preferences. A nil *PreferencesConfig means the
// defaults.
type PreferencesConfig struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// SkipConfirmation lists channels whose opt-outs and opt-ins write no
	// confirmation message. By default every channel gets one; text
	// messages must (CTIA).
	SkipConfirmation []string
}

// Validate reports every problem of the configuration.
func (c *PreferencesConfig) Validate() error {
	if c == nil {
		return nil
	}
	var errs []error
	for i, ch := range c.SkipConfirmation {
		if !validChannelName(ch) {
			errs = append(errs, fmt.Errorf("%w: feedback: skipped confirmation channel %d %q is not a channel name", adapters.ErrInvalidArgument, i, ch))
		}
	}
	return errors.Join(errs...)
}

// Preferences records what people ask of the messages they get: their
// channels, locale, time zone and quiet hours, their consents, and their
// opt-outs from the API, from inbound texts (HandleWords) and from
// one-click links (Unsubscribe). It is safe for concurrent use.
type Preferences struct {
	store   adapters.PeopleStore
	now     func() time.Time
	confirm func(channel string) bool
}

// NewPreferences returns Preferences over store. A nil cfg means the
// defaults.
func NewPreferences(store adapters.PeopleStore, cfg *PreferencesConfig) (*Preferences, error) {
	if store == nil {
		return nil, fmt.Errorf("feedback: new preferences: %w: store is nil", adapters.ErrInvalidArgument)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("feedback: new preferences: %w", err)
	}
	p := &Preferences{store: store, now: time.Now, confirm: func(string) bool { return true }}
	if cfg != nil {
		if cfg.Now != nil {
			p.now = cfg.Now
		}
		if len(cfg.SkipConfirmation) > 0 {
			skip := set(cfg.SkipConfirmation...)
			p.confirm = func(ch string) bool { return !skip[ch] }
		}
	}
	return p, nil
}

// OptRequest is one opt-out or opt-in asked through the API.
type OptRequest struct {
	// Channel and Address name what changes ("sms", "+15551234567").
	Channel, Address string
	// Via is how it was asked; empty means ViaAPI.
	Via string
	// Words is what the person sent or chose, if anything.
	Words string
	// At is when it was asked; zero means now.
	At time.Time
	// Locale renders the confirmation; empty means the locale of the
	// person the address belongs to, if the store knows one.
	Locale string
}

// OptOut records that the address wants no more messages on the channel,
// with a confirmation message (OptOutTemplate) unless the
// channel skips confirmations. It reports whether the state changed: a
// second opt-out changes nothing and writes no second confirmation.
// Invalid requests return an error wrapping adapters.ErrInvalidArgument.
func (p *Preferences) OptOut(ctx context.Context, r OptRequest) (bool, error) {
	return p.set(ctx, r, true)
}

// OptIn records that the address wants messages again, clearing its
// opt-out, with a confirmation (OptInTemplate) unless the
// channel skips confirmations. An address not opted out is not changed.
func (p *Preferences) OptIn(ctx context.Context, r OptRequest) (bool, error) {
	return p.set(ctx, r, false)
}

func (p *Preferences) set(ctx context.Context, r OptRequest, out bool) (bool, error) {
	what := "opt-in"
	if out {
		what = "opt-out"
	}
	if err := validAddress(r.Channel, r.Address); err != nil {
		return false, fmt.Errorf("feedback: %s on %s: %w", what, r.Channel, err)
	}
	if r.Via == "" {
		r.Via = ViaAPI
	}
	if r.At.IsZero() {
		r.At = p.now()
	}
	c := adapters.OptOutChange{Channel: r.Channel, Address: r.Address, Out: out, Via: r.Via, Words: clip(r.Words, adapters.MaxWordsLen), At: r.At}
	if p.confirm(r.Channel) {
		locale := r.Locale
		if locale == "" {
			if person, err := p.store.FindPerson(ctx, r.Channel, r.Address); err == nil {
				locale = person.Locale
			} else if !errors.Is(err, adapters.ErrNotFound) {
				return false, fmt.Errorf("feedback: %s on %s: %w", what, r.Channel, err)
			}
		}
		c.Confirmation = confirmation(c, locale)
	}
	changed, err := p.store.SetOptOut(ctx, c)
	if err != nil {
		return false, fmt.Errorf("feedback: %s on %s: %w", what, r.Channel, err)
	}
	return changed, nil
}

// confirmation is the message that confirms c. Its id and idempotency key
// are derived from the channel, address, kind and time, so a retried
// request makes the same message; the address itself stays out of them.
func confirmation(c adapters.OptOutChange, locale string) adapters.Message {
	template := OptInTemplate
	if c.Out {
		template = OptOutTemplate
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d", template, c.Channel, c.Address, adapters.StoredTime(c.At).UnixMicro())
	key := template + ":" + hex.EncodeToString(h.Sum(nil)[:16])
	data, _ := json.Marshal(OptChangeData{Channel: c.Channel, Out: c.Out, Via: c.Via}) // plain strings always encode
	return adapters.Message{
		ID: key, Channel: c.Channel, Recipient: c.Channel + ":" + c.Address, Template: template, Locale: locale,
		Data: data, IdempotencyKey: key, CreatedAt: c.At,
	}
}

// HandleWords applies an inbound text from an address: an opt-out
// (ParseOptWords) is recorded with Via ViaKeyword or ViaReply and the text
// as its Words, with a confirmation; an opt-in likewise. It returns what
// the text asked and whether the address's state changed. OptHelp and
// OptNone change nothing: answering HELP, and passing other texts on to
// conversations, is the caller's.
func (p *Preferences) HandleWords(ctx context.Context, channel, address, text string, at time.Time) (OptWords, bool, error) {
	w, keyword := parseOptWords(text)
	if w != OptOut && w != OptIn {
		return w, false, nil
	}
	via := ViaReply
	if keyword {
		via = ViaKeyword
	}
	changed, err := p.set(ctx, OptRequest{Channel: channel, Address: address, Via: via, Words: text, At: at}, w == OptOut)
	return w, changed, err
}

// RecordConsent records a consent. At zero means now. Consent to text
// messages must carry the Words shown to the person, and its address must
// be an E.164 number.
func (p *Preferences) RecordConsent(ctx context.Context, c adapters.Consent) error {
	if err := validAddress(c.Channel, c.Address); err != nil {
		return fmt.Errorf("feedback: record %s consent: %w", c.Channel, err)
	}
	if c.Channel == adapters.ChannelSMS && strings.TrimSpace(c.Words) == "" {
		return fmt.Errorf("feedback: record %s consent: %w: the words shown to the person are required", c.Channel, adapters.ErrInvalidArgument)
	}
	if c.At.IsZero() {
		c.At = p.now()
	}
	if err := p.store.RecordConsent(ctx, c); err != nil {
		return fmt.Errorf("feedback: record %s consent: %w", c.Channel, err)
	}
	return nil
}

// SavePreferences checks and writes a person's preferences, replacing what
// was there: channel names well formed and listed once, text-message
// numbers in E.164 form and email addresses bare, TimeZone an IANA zone
// that time.LoadLocation loads, Locale a BCP 47 tag (stored in its
// canonical form). A zero UpdatedAt means now. Every problem is reported,
// each wrapping adapters.ErrInvalidArgument.
func (p *Preferences) SavePreferences(ctx context.Context, person adapters.Person) error {
	if err := p.checkPerson(&person); err != nil {
		return fmt.Errorf("feedback: save preferences of %q: %w", person.ID, err)
	}
	if err := p.store.PutPerson(ctx, person); err != nil {
		return fmt.Errorf("feedback: save preferences of %q: %w", person.ID, err)
	}
	return nil
}

func (p *Preferences) checkPerson(person *adapters.Person) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{adapters.ErrInvalidArgument}, args...)...))
	}
	for i, ch := range person.Channels {
		if !validChannelName(ch) {
			bad("channel %d %q is not a channel name", i, ch)
		}
	}
	for ch, addr := range person.Addresses {
		if err := validAddress(ch, addr); err != nil {
			errs = append(errs, err)
		}
	}
	if person.TimeZone != "" {
		if person.TimeZone == "Local" || len(person.TimeZone) > adapters.MaxTimeZoneLen {
			bad("time zone %q is not an IANA zone", person.TimeZone)
		} else if _, err := time.LoadLocation(person.TimeZone); err != nil {
			bad("time zone %q does not load", person.TimeZone)
		}
	}
	if person.Locale != "" {
		if tag, err := language.Parse(person.Locale); err != nil || len(person.Locale) > adapters.MaxLocaleLen {
			bad("locale %q is not a BCP 47 tag", person.Locale)
		} else {
			person.Locale = tag.String()
		}
	}
	if person.UpdatedAt.IsZero() {
		person.UpdatedAt = p.now()
	}
	errs = append(errs, person.Validate())
	return errors.Join(errs...)
}

// validChannelName reports a channel name of 1 to 32 lower-case letters,
// digits and dashes.
func validChannelName(ch string) bool {
	if ch == "" || len(ch) > adapters.MaxChannelLen {
		return false
	}
	for _, r := range ch {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// validAddress checks an address's shape for its channel: an E.164
// number for text messages, a bare email address for email; any other
// channel only bounds it. Errors wrap adapters.ErrInvalidArgument and never
// quote the address, which is personal data.
func validAddress(channel, address string) error {
	if !validChannelName(channel) {
		return fmt.Errorf("%w: %q is not a channel name", adapters.ErrInvalidArgument, clip(channel, adapters.MaxChannelLen))
	}
	if err := adapters.ValidateChannelAddress(channel, address); err != nil {
		return err
	}
	switch channel {
	case adapters.ChannelSMS:
		if !isE164(address) {
			return fmt.Errorf("%w: the %s address is not an E.164 number", adapters.ErrInvalidArgument, channel)
		}
	case adapters.ChannelEmail:
		a, err := mail.ParseAddress(address)
		if err != nil || a.Address != address || a.Name != "" {
			return fmt.Errorf("%w: the %s address is not a bare email address", adapters.ErrInvalidArgument, channel)
		}
	}
	return nil
}

// isE164 reports "+" and 2 to 15 digits, the first not zero.
func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for _, c := range []byte(s[1:]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// clip cuts s to at most n bytes without splitting a rune.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
