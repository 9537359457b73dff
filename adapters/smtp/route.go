package smtp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"github.com/civickit/civickit/adapters"
)

// MinSecretLen is the shortest Routing.Secret accepted, in bytes.
const MinSecretLen = 16

// maxRefID bounds a case id carried in a reply address or a subject: a
// mailbox's local part holds at most 64 octets (RFC 5321 §4.5.3.1.1).
const maxRefID = 40

// refID is the shape of a case id a reference can carry: letters, digits,
// '-' and '_', so that it survives every mail system's address handling.
var refID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// subjectRef finds "[#<case id>.<mac>]" in a subject line.
var subjectRef = regexp.MustCompile(`\[#([A-Za-z0-9_-]{1,40})\.([a-z2-7]{10})\]`)

var lowerB32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Routing derives, from a message's case and idempotency key, the headers
// that bring a reply back to its case: a Reply-To address and a subject
// reference that carry the case id with a keyed MAC (so nobody can make a
// reply land on a case by guessing its id), and a Message-ID that is the
// same each time one key is sent. The outbound channel and the inbound
// listener share one Routing.
type Routing struct {
	// ReplyTo is the mailbox replies go to ("replies@city.example"); a
	// case's replies go to its sub-address "replies+<case>.<mac>@...".
	ReplyTo string
	// Secret keys the MAC; at least MinSecretLen bytes, the same in every
	// process that sends or receives.
	Secret []byte
}

// Validate reports what makes r unusable, wrapping
// adapters.ErrInvalidArgument.
func (r Routing) Validate() error {
	var errs []error
	if _, _, err := r.split(); err != nil {
		errs = append(errs, err)
	}
	if len(r.Secret) < MinSecretLen {
		errs = append(errs, fmt.Errorf("%w: routing secret is %d bytes, below the minimum %d", adapters.ErrInvalidArgument, len(r.Secret), MinSecretLen))
	}
	return errors.Join(errs...)
}

func (r Routing) split() (local, domain string, err error) {
	a, perr := mail.ParseAddress(r.ReplyTo)
	if perr != nil || a.Name != "" {
		return "", "", fmt.Errorf("%w: reply-to %q is not a bare address", adapters.ErrInvalidArgument, r.ReplyTo)
	}
	local, domain, _ = strings.Cut(a.Address, "@")
	if strings.Contains(local, "+") || len(local) > 64-maxRefID-12 {
		return "", "", fmt.Errorf("%w: reply-to %q must have a local part without '+' of at most %d bytes", adapters.ErrInvalidArgument, r.ReplyTo, 64-maxRefID-12)
	}
	return local, domain, nil
}

func (r Routing) mac(kind, v string) string {
	h := hmac.New(sha256.New, r.Secret)
	h.Write([]byte("civickit-mail-" + kind + "\x00" + v))
	return lowerB32.EncodeToString(h.Sum(nil))[:10]
}

// MessageID returns the Message-ID (without angle brackets) for a message
// with the idempotency key: the same key always gives the same id, so a
// resent message is recognised as a duplicate by mail systems.
func (r Routing) MessageID(idempotencyKey string) string {
	_, domain, _ := r.split()
	sum := sha256.Sum256([]byte(idempotencyKey))
	return "ck." + lowerB32.EncodeToString(sum[:20]) + "@" + domain
}

// ReplyAddress returns the address replies about the case go to, or the
// plain ReplyTo mailbox when caseID is empty or not an id a reference
// can carry (replies to it are held for review).
func (r Routing) ReplyAddress(caseID string) string {
	local, domain, err := r.split()
	if err != nil || !refID.MatchString(caseID) {
		return r.ReplyTo
	}
	return local + "+" + caseID + "." + r.mac("case", caseID) + "@" + domain
}

// SubjectReference returns the reference appended to a subject line,
// "[#<case id>.<mac>]", or "" when caseID cannot be carried.
func (r Routing) SubjectReference(caseID string) string {
	if !refID.MatchString(caseID) {
		return ""
	}
	return "[#" + caseID + "." + r.mac("case", caseID) + "]"
}

// CaseFromAddress returns the case a reply address names, if it is one
// ReplyAddress made with this secret. Case is compared with the domain
// and mailbox as mail systems do (case-insensitively); the id is not.
func (r Routing) CaseFromAddress(addr string) (string, bool) {
	local, domain, err := r.split()
	if err != nil {
		return "", false
	}
	l, d, ok := strings.Cut(strings.TrimSpace(addr), "@")
	if !ok || !strings.EqualFold(d, domain) {
		return "", false
	}
	box, tag, ok := strings.Cut(l, "+")
	if !ok || !strings.EqualFold(box, local) {
		return "", false
	}
	id, mac, ok := strings.Cut(tag, ".")
	if !ok || !refID.MatchString(id) || !hmac.Equal([]byte(strings.ToLower(mac)), []byte(r.mac("case", id))) {
		return "", false
	}
	return id, true
}

// CaseFromSubject returns the case a subject's reference names, if it is
// one SubjectReference made with this secret.
func (r Routing) CaseFromSubject(subject string) (string, bool) {
	for _, m := range subjectRef.FindAllStringSubmatch(subject, 4) {
		if hmac.Equal([]byte(m[2]), []byte(r.mac("case", m[1]))) {
			return m[1], true
		}
	}
	return "", false
}
