package adapters

import (
	"context"
	"strings"
	"time"
)

// Topic names something people follow: a case, a service type, an area, an
// idea or a public body. It is "<kind>:<id>"; build one with CaseTopic,
// TypeTopic, AreaTopic, IdeaTopic or BodyTopic.
type Topic string

// The kinds of topic.
const (
	TopicCase = "case"
	TopicType = "type"
	TopicArea = "area"
	TopicIdea = "idea"
	TopicBody = "body"
	// TopicAgenda is an agenda item of a public meeting:
	// "agenda:<meeting>/<item>".
	TopicAgenda = "agenda"
)

// CaseTopic is the topic of one case.
func CaseTopic(caseID string) Topic { return Topic(TopicCase + ":" + caseID) }

// TypeTopic is the topic of a service type (a workflow's case type).
func TypeTopic(caseType string) Topic { return Topic(TopicType + ":" + caseType) }

// AreaTopic is the topic of an area (a ward, a district, a neighbourhood).
func AreaTopic(area string) Topic { return Topic(TopicArea + ":" + area) }

// IdeaTopic is the topic of a resident's idea.
func IdeaTopic(ideaID string) Topic { return Topic(TopicIdea + ":" + ideaID) }

// BodyTopic is the topic of a public body (a council, a board).
func BodyTopic(bodyID string) Topic { return Topic(TopicBody + ":" + bodyID) }

// AgendaTopic is the topic of one item on a meeting's agenda.
func AgendaTopic(meetingID, item string) Topic {
	return Topic(TopicAgenda + ":" + meetingID + "/" + item)
}

// Kind and ID split a topic; a topic without a colon has no kind.
func (t Topic) Kind() string {
	k, _, ok := strings.Cut(string(t), ":")
	if !ok {
		return ""
	}
	return k
}

// ID is the part of the topic after its kind.
func (t Topic) ID() string {
	_, id, _ := strings.Cut(string(t), ":")
	return id
}

// Valid reports whether the topic has a known kind and a non-empty id.
func (t Topic) Valid() bool {
	switch t.Kind() {
	case TopicCase, TopicType, TopicArea, TopicIdea, TopicBody, TopicAgenda:
		return t.ID() != "" && len(t) <= 300
	}
	return false
}

// The recipients of an outbox message that are not one person.
const (
	// RecipientSubscribers addresses the subscribers of the message's
	// case (Message.CaseID): the form workflow writes. Stores expand it
	// like SubscribersOf(CaseTopic(CaseID)).
	RecipientSubscribers = "subscribers"
	// RecipientSubscribersPrefix starts a recipient naming a topic's
	// subscribers; see SubscribersOf.
	RecipientSubscribersPrefix = "subscribers:"
)

// SubscribersOf is the Message.Recipient that addresses every subscriber
// of a topic. Every store call that writes messages (CreateCase,
// ApplyTransition, EnqueueMessages and the feedback stores) expands such a
// message, in the same transaction, into one message per subscriber:
// Recipient the subscriber's person id, ID and IdempotencyKey the
// original's followed by "/" and the person id, every other field copied.
// The addressed message itself is not stored; with no subscriber nothing
// is.
func SubscribersOf(t Topic) string { return RecipientSubscribersPrefix + string(t) }

// The channels the SDK knows by name. A Channel adapter may add others.
const (
	ChannelEmail   = "email"
	ChannelSMS     = "sms"
	ChannelLetter  = "letter"
	ChannelWebhook = "webhook"
)

// Person is how to reach one resident or staff member, and how they want
// to be reached. Messages name a person by ID in Message.Recipient.
type Person struct {
	// ID is the person's key: their identity subject (Case.Submitter), or,
	// for someone known only by an address (a text message from a phone),
	// the channel and address, "sms:+15551234567".
	ID string
	// Issuer is the identity issuer of ID; empty when unknown.
	Issuer string
	// Locale is the BCP 47 tag messages are rendered in ("es"); empty for
	// the default.
	Locale string
	// TimeZone is the IANA zone quiet hours are counted in
	// ("America/Chicago"); empty means UTC.
	TimeZone string
	// Channels is the order to try channels in ("sms", "email",
	// "letter"). A channel without an address is skipped.
	Channels []string
	// Addresses holds the person's address per channel: "email" an email
	// address, "sms" an E.164 number, "letter" a postal address with
	// lines separated by "\n".
	Addresses map[string]string
	// QuietStart and QuietEnd are minutes after local midnight between
	// which no text message is sent (they may wrap midnight: 21*60 to
	// 8*60). Equal values mean no quiet hours.
	QuietStart, QuietEnd int
	// UpdatedAt is when the preferences last changed.
	UpdatedAt time.Time
}

// Consent records that a person agreed to receive messages on a channel
// at an address: who, when, through which channel and with which words
// shown. Text messages go only to numbers with a consent record.
type Consent struct {
	// Channel and Address are what was consented to ("sms",
	// "+15551234567").
	Channel, Address string
	// Person is the person id who consented; empty when only the address
	// is known.
	Person string
	// Via is how consent was given: "web", "sms", "paper", "counter",
	// "phone", "api".
	Via string
	// Words is the text shown to the person when they consented.
	Words string
	// At is when consent was given.
	At time.Time
}

// OptOutChange records an opt-out (or an opt-in again) of one address on
// one channel.
type OptOutChange struct {
	// Channel and Address name what is opted out ("sms", "+15551234567").
	Channel, Address string
	// Out is true for an opt-out, false for opting in again.
	Out bool
	// Via is how the person asked: "keyword" (a STOP reply), "reply" (a
	// free-text request), "link" (one-click unsubscribe), "api",
	// "provider" (the channel reported the address unsubscribed).
	Via string
	// Words is what the person sent, when they sent something.
	Words string
	// At is when the change happened.
	At time.Time
	// Confirmation, when its ID is set, is the one message allowed to
	// reach the address after an opt-out; it is written with the change.
	Confirmation Message
}

// Reach is what the dispatcher needs to know about one address before it
// sends to it.
type Reach struct {
	// Consented reports a consent record for the address on the channel.
	Consented bool
	// OptedOut reports that the address is opted out of the channel.
	OptedOut bool
	// OptedOutAt is when the current opt-out was recorded.
	OptedOutAt time.Time
	// ConfirmationID is the id of the one message allowed after the
	// current opt-out, if any.
	ConfirmationID string
}

// PeopleStore keeps people's preferences, consents and opt-outs. It is safe
// for concurrent use; every method is one transaction. Records that fail
// their Validate method return ErrInvalidArgument and nothing is written.
type PeopleStore interface {
	// PutPerson writes a person's preferences, replacing what was there.
	// An empty ID is ErrInvalidArgument.
	PutPerson(ctx context.Context, p Person) error
	// GetPeople returns the people with the ids, keyed by id; unknown ids
	// are absent (not an error). At most MaxClaim ids.
	GetPeople(ctx context.Context, ids []string) (map[string]Person, error)
	// FindPerson returns the person whose address on the channel is
	// address, or ErrNotFound. When several people share the address, it
	// returns the one whose preferences changed last (ties: the smallest
	// id).
	FindPerson(ctx context.Context, channel, address string) (Person, error)
	// RecordConsent appends a consent record. Consent does not undo an
	// opt-out: only an opt-in (SetOptOut with Out false) does.
	RecordConsent(ctx context.Context, c Consent) error
	// SetOptOut records an opt-out or an opt-in of the address on the
	// channel, whoever the address belongs to, and reports whether the
	// address's state changed. Only a change is recorded: a second STOP,
	// or an opt-in of an address not opted out, changes nothing and
	// writes nothing. A change writes c.Confirmation, when its ID is set,
	// into the outbox in the same transaction (an opt-out's is kept as
	// Reach.ConfirmationID); a confirmation whose id or idempotency key
	// is taken returns ErrDuplicate and writes nothing.
	SetOptOut(ctx context.Context, c OptOutChange) (changed bool, err error)
	// Reach returns, for each address on the channel, whether it consented
	// and whether it is opted out, keyed by address. At most MaxClaim
	// addresses; every address given is in the map.
	Reach(ctx context.Context, channel string, addresses []string) (map[string]Reach, error)
	// ListOptOutChanges returns the opt-out history of an address, oldest
	// first (ties in the order recorded). A change's Confirmation holds
	// only its ID.
	ListOptOutChanges(ctx context.Context, channel, address string) ([]OptOutChange, error)
}
