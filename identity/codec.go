package identity

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"
)

// The session payload is a small hand-rolled binary record rather than JSON:
// it is decoded on every request and its size counts against the 4 KiB
// cookie limit. Every length is bounded by the bytes that remain.

const sessionFormat = 1

var errCodec = errors.New("malformed session payload")

type enc struct{ b []byte }

func (e *enc) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *enc) bytes(s []byte) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *enc) time(t time.Time) {
	var v int64
	if !t.IsZero() {
		v = t.UnixNano()
	}
	e.b = binary.AppendVarint(e.b, v)
}
func (e *enc) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

type dec struct {
	b   []byte
	err error
}

func (d *dec) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCodec
		return 0
	}
	d.b = d.b[n:]
	return v
}
func (d *dec) raw() []byte {
	n := d.uint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errCodec
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}
func (d *dec) str() string { return string(d.raw()) }
func (d *dec) time() time.Time {
	if d.err != nil {
		return time.Time{}
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCodec
		return time.Time{}
	}
	d.b = d.b[n:]
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

func encodeSession(s *Session) []byte {
	p := s.Principal
	e := enc{b: make([]byte, 0, 512+len(s.IDToken))}
	e.uint(sessionFormat)
	e.str(s.ID)
	e.time(s.Created)
	e.time(s.LastSeen)
	e.str(s.IDToken)
	e.str(s.ProviderSessionID)
	e.str(p.Provider)
	e.str(p.Issuer)
	e.str(p.Subject)
	e.str(p.Email)
	if p.EmailVerified {
		e.uint(1)
	} else {
		e.uint(0)
	}
	e.str(p.Name)
	e.str(p.Phone)
	e.uint(uint64(len(p.Roles)))
	for _, r := range p.Roles {
		e.str(r)
	}
	e.uint(uint64(p.Assurance))
	e.time(p.AuthTime)
	var claims []byte
	if len(p.Claims) > 0 {
		claims, _ = json.Marshal(p.Claims) // values came from JSON; cannot fail
	}
	e.bytes(claims)
	return e.b
}

// decodeSession parses a payload made by encodeSession.
func decodeSession(b []byte) (*Session, error) {
	d := dec{b: b}
	if d.uint() != sessionFormat {
		return nil, errCodec
	}
	s := &Session{Principal: &Principal{}}
	p := s.Principal
	s.ID = d.str()
	s.Created = d.time()
	s.LastSeen = d.time()
	s.IDToken = d.str()
	s.ProviderSessionID = d.str()
	p.Provider = d.str()
	p.Issuer = d.str()
	p.Subject = d.str()
	p.Email = d.str()
	p.EmailVerified = d.uint() == 1
	p.Name = d.str()
	p.Phone = d.str()
	n := d.uint()
	if n > uint64(len(d.b)) { // each role takes at least one byte
		return nil, errCodec
	}
	if n > 0 {
		p.Roles = make([]string, 0, n)
		for range n {
			p.Roles = append(p.Roles, d.str())
		}
	}
	lvl := d.uint()
	if lvl > uint64(AssuranceHigh) {
		return nil, errCodec
	}
	p.Assurance = AssuranceLevel(lvl)
	p.AuthTime = d.time()
	claims := d.raw()
	if d.err != nil || len(d.b) != 0 {
		return nil, errCodec
	}
	if len(claims) > 0 {
		if err := json.Unmarshal(claims, &p.Claims); err != nil {
			return nil, errCodec
		}
	}
	if s.ID == "" || p.Subject == "" || p.Issuer == "" {
		return nil, errCodec
	}
	return s, nil
}
