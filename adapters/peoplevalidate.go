package adapters

import (
	"errors"
	"fmt"
	"slices"
)

// Bounds on people records, which every PeopleStore enforces through the
// records' Validate methods so that no store keeps an unbounded value from
// an inbound text or a web form.
const (
	// MaxPersonIDLen bounds a person id in bytes: Person.ID, Person.Issuer,
	// Consent.Person and Subscription.Person.
	MaxPersonIDLen = 300
	// MaxChannelLen bounds a channel name, in bytes.
	MaxChannelLen = 32
	// MaxAddressLen bounds an address, in bytes: an email address, an
	// E.164 number, or a postal address of a few lines.
	MaxAddressLen = 1024
	// MaxPersonChannels bounds Person.Channels and Person.Addresses.
	MaxPersonChannels = 16
	// MaxLocaleLen bounds Person.Locale and MaxTimeZoneLen
	// Person.TimeZone, in bytes.
	MaxLocaleLen   = 64
	MaxTimeZoneLen = 64
	// MaxViaLen bounds Consent.Via, OptOutChange.Via and Comment.Via, in bytes.
	MaxViaLen = 32
	// MaxWordsLen bounds Consent.Words and OptOutChange.Words, in bytes.
	MaxWordsLen = 4096
	// MinutesPerDay bounds Person.QuietStart and Person.QuietEnd, which
	// are minutes after local midnight in [0, MinutesPerDay).
	MinutesPerDay = 24 * 60
)

// bounded reports a value that is empty (when required) or longer than max
// bytes; what names it in the error.
func bounded(what, v string, max int, required bool) error {
	if required && v == "" {
		return invalid("%s is empty", what)
	}
	if len(v) > max {
		return invalid("%s is %d bytes, above the maximum %d", what, len(v), max)
	}
	return nil
}

// ValidateChannelAddress reports an empty or oversized channel or address,
// each error wrapping ErrInvalidArgument: the key of a consent and of an
// opt-out, and of FindPerson and ListOptOutChanges.
func ValidateChannelAddress(channel, address string) error {
	return errors.Join(
		bounded("channel", channel, MaxChannelLen, true),
		bounded("address", address, MaxAddressLen, true),
	)
}

// Validate reports every way p breaks the PutPerson contract, each error
// wrapping ErrInvalidArgument. Whether Locale is a BCP 47 tag, TimeZone an
// IANA zone and an address well formed for its channel is the caller's to
// check (feedback.Preferences does); the store bounds their sizes.
func (p Person) Validate() error {
	var errs []error
	errs = appendErr(errs, bounded("person id", p.ID, MaxPersonIDLen, true))
	errs = appendErr(errs, bounded("person issuer", p.Issuer, MaxPersonIDLen, false))
	errs = appendErr(errs, bounded("person locale", p.Locale, MaxLocaleLen, false))
	errs = appendErr(errs, bounded("person time zone", p.TimeZone, MaxTimeZoneLen, false))
	// Past the bound, the items are not checked one by one: the error
	// stays as small as the record should have been.
	if len(p.Channels) > MaxPersonChannels {
		errs = append(errs, invalid("person has %d channels, above the maximum %d", len(p.Channels), MaxPersonChannels))
	} else {
		for i, c := range p.Channels {
			errs = appendErr(errs, bounded(fmt.Sprintf("person channel %d", i), c, MaxChannelLen, true))
			if c != "" && slices.Contains(p.Channels[:i], c) {
				errs = append(errs, invalid("person channel %q listed twice", c))
			}
		}
	}
	if len(p.Addresses) > MaxPersonChannels {
		errs = append(errs, invalid("person has %d addresses, above the maximum %d", len(p.Addresses), MaxPersonChannels))
	} else {
		for c, a := range p.Addresses {
			errs = appendErr(errs, bounded("person address channel", c, MaxChannelLen, true))
			errs = appendErr(errs, bounded(fmt.Sprintf("person %s address", c), a, MaxAddressLen, true))
		}
	}
	if p.QuietStart < 0 || p.QuietStart >= MinutesPerDay || p.QuietEnd < 0 || p.QuietEnd >= MinutesPerDay {
		errs = append(errs, invalid("quiet hours %d..%d are outside 0..%d minutes", p.QuietStart, p.QuietEnd, MinutesPerDay-1))
	}
	if p.UpdatedAt.IsZero() {
		errs = append(errs, invalid("person updated time is zero"))
	}
	return errors.Join(errs...)
}

// Validate reports every way c breaks the RecordConsent contract, each
// error wrapping ErrInvalidArgument.
func (c Consent) Validate() error {
	var errs []error
	errs = appendErr(errs, ValidateChannelAddress(c.Channel, c.Address))
	errs = appendErr(errs, bounded("consent person", c.Person, MaxPersonIDLen, false))
	errs = appendErr(errs, bounded("consent via", c.Via, MaxViaLen, true))
	errs = appendErr(errs, bounded("consent words", c.Words, MaxWordsLen, false))
	if c.At.IsZero() {
		errs = append(errs, invalid("consent time is zero"))
	}
	return errors.Join(errs...)
}

// Validate reports every way c breaks the SetOptOut contract, each error
// wrapping ErrInvalidArgument (or ErrDuplicate, as ValidateMessages does).
// A confirmation with an ID must be a valid new message, as
// EnqueueMessages requires.
func (c OptOutChange) Validate() error {
	var errs []error
	errs = appendErr(errs, ValidateChannelAddress(c.Channel, c.Address))
	errs = appendErr(errs, bounded("opt-out via", c.Via, MaxViaLen, true))
	errs = appendErr(errs, bounded("opt-out words", c.Words, MaxWordsLen, false))
	if c.At.IsZero() {
		errs = append(errs, invalid("opt-out time is zero"))
	}
	if c.Confirmation.ID != "" {
		errs = appendErr(errs, validateMessages("", []Message{c.Confirmation}))
	}
	return errors.Join(errs...)
}

// ValidatePersonIDs reports a GetPeople batch larger than MaxClaim or
// naming an empty or oversized id, each error wrapping ErrInvalidArgument.
func ValidatePersonIDs(ids []string) error {
	if len(ids) > MaxClaim {
		return invalid("%d person ids, above the maximum %d", len(ids), MaxClaim)
	}
	var errs []error
	for i, id := range ids {
		errs = appendErr(errs, bounded(fmt.Sprintf("person id %d", i), id, MaxPersonIDLen, true))
	}
	return errors.Join(errs...)
}

// ValidateReach reports a Reach call whose channel is empty or oversized,
// or whose batch is larger than MaxClaim or names an empty or oversized
// address, each error wrapping ErrInvalidArgument.
func ValidateReach(channel string, addresses []string) error {
	errs := []error{bounded("channel", channel, MaxChannelLen, true)}
	if len(addresses) > MaxClaim {
		return invalid("%d addresses, above the maximum %d", len(addresses), MaxClaim)
	}
	for i, a := range addresses {
		errs = appendErr(errs, bounded(fmt.Sprintf("address %d", i), a, MaxAddressLen, true))
	}
	return errors.Join(errs...)
}
