package identity

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"time"
)

// The session payload is a small hand-rolled binary record rather than JSON:
// it is decoded on every request (JSON decoding of the claims alone cost
// more than the whole 5 µs budget) and its size counts against the 4 KiB
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
	s   string // the same bytes as the whole payload
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
func (d *dec) str() string {
	n := d.uint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errCodec
		return ""
	}
	off := len(d.s) - len(d.b)
	d.b = d.b[n:]
	return d.s[off : off+int(n)]
}
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

// tokenOnlyClaims describe the token rather than the person; the session
// copy of Principal.Claims leaves them out to stay small.
var tokenOnlyClaims = map[string]bool{"exp": true, "iat": true, "nbf": true, "nonce": true, "at_hash": true, "c_hash": true, "jti": true}

func encodeSession(s *Session) []byte {
	p := s.Principal
	e := enc{b: make([]byte, 0, 512)} // the ID token travels in its own cookie
	e.uint(sessionFormat)
	e.str(s.ID)
	e.time(s.Created)
	e.time(s.LastSeen)
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
	n := 0
	for k := range p.Claims {
		if !tokenOnlyClaims[k] {
			n++
		}
	}
	e.uint(uint64(n))
	for k, v := range p.Claims {
		if !tokenOnlyClaims[k] {
			e.str(k)
			e.value(v, 0)
		}
	}
	return e.b
}

// decodeSession parses a payload made by encodeSession.
func decodeSession(b []byte) (*Session, error) {
	// One string holds every decoded string, so each field is a substring
	// instead of an allocation of its own.
	d := dec{b: b, s: string(b)}
	if d.uint() != sessionFormat {
		return nil, errCodec
	}
	s := &Session{Principal: &Principal{}}
	p := s.Principal
	s.ID = d.str()
	s.Created = d.time()
	s.LastSeen = d.time()
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
	if n := d.uint(); n > 0 && d.err == nil {
		if n > uint64(len(d.b)) {
			return nil, errCodec
		}
		p.Claims = make(map[string]any, n)
		for range n {
			k := d.str()
			p.Claims[k] = d.value(0)
		}
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errCodec
	}
	if s.ID == "" || p.Subject == "" || p.Issuer == "" {
		return nil, errCodec
	}
	return s, nil
}

// Claim values are JSON values; they are stored with a one-byte tag.
const (
	tagNull byte = iota
	tagFalse
	tagTrue
	tagNumber
	tagString
	tagArray
	tagObject
	tagJSON // anything else, as JSON text
)

const maxValueDepth = 32

func (e *enc) value(v any, depth int) {
	switch x := v.(type) {
	case nil:
		e.b = append(e.b, tagNull)
	case bool:
		if x {
			e.b = append(e.b, tagTrue)
		} else {
			e.b = append(e.b, tagFalse)
		}
	case float64:
		e.b = append(e.b, tagNumber)
		e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(x))
	case string:
		e.b = append(e.b, tagString)
		e.str(x)
	case []any:
		if depth >= maxValueDepth {
			e.b = append(e.b, tagNull)
			return
		}
		e.b = append(e.b, tagArray)
		e.uint(uint64(len(x)))
		for _, el := range x {
			e.value(el, depth+1)
		}
	case map[string]any:
		if depth >= maxValueDepth {
			e.b = append(e.b, tagNull)
			return
		}
		e.b = append(e.b, tagObject)
		e.uint(uint64(len(x)))
		for k, el := range x {
			e.str(k)
			e.value(el, depth+1)
		}
	default:
		j, err := json.Marshal(x)
		if err != nil {
			e.b = append(e.b, tagNull)
			return
		}
		e.b = append(e.b, tagJSON)
		e.bytes(j)
	}
}

func (d *dec) value(depth int) any {
	if d.err != nil {
		return nil
	}
	if len(d.b) == 0 || depth > maxValueDepth {
		d.err = errCodec
		return nil
	}
	tag := d.b[0]
	d.b = d.b[1:]
	switch tag {
	case tagNull:
		return nil
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagNumber:
		if len(d.b) < 8 {
			d.err = errCodec
			return nil
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
		d.b = d.b[8:]
		return f
	case tagString:
		return d.str()
	case tagArray:
		n := d.uint()
		if d.err != nil || n > uint64(len(d.b)) {
			d.err = errCodec
			return nil
		}
		a := make([]any, 0, n)
		for range n {
			a = append(a, d.value(depth+1))
		}
		return a
	case tagObject:
		n := d.uint()
		if d.err != nil || n > uint64(len(d.b)) {
			d.err = errCodec
			return nil
		}
		m := make(map[string]any, n)
		for range n {
			k := d.str()
			m[k] = d.value(depth + 1)
		}
		return m
	case tagJSON:
		var v any
		if err := json.Unmarshal(d.raw(), &v); err != nil {
			d.err = errCodec
			return nil
		}
		return v
	}
	d.err = errCodec
	return nil
}
