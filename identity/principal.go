package identity

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
)

// AssuranceLevel is a normalised level of confidence in an identity and its
// authentication, comparable across providers. It is adapters.Assurance,
// the one assurance type workflow actors and definitions use too.
type AssuranceLevel = adapters.Assurance

// Assurance levels, in increasing order of confidence (the levels of
// adapters.Assurance).
const (
	// AssuranceNone means no assurance claim was recognised.
	AssuranceNone = adapters.AssuranceNone
	// AssuranceLow is a self-asserted identity (Login.gov auth-only, IAL1).
	AssuranceLow = adapters.AssuranceLow
	// AssuranceSubstantial is a remotely verified identity (Login.gov IAL2,
	// GOV.UK One Login P2, eIDAS substantial).
	AssuranceSubstantial = adapters.AssuranceSubstantial
	// AssuranceHigh is an identity verified with strong evidence, such as
	// biometric comparison (Login.gov facial match, eIDAS high).
	AssuranceHigh = adapters.AssuranceHigh
)

// ParseAssuranceLevel is the inverse of AssuranceLevel.String for the four
// named levels.
func ParseAssuranceLevel(s string) (AssuranceLevel, error) {
	switch strings.ToLower(s) {
	case "none", "0":
		return AssuranceNone, nil
	case "low", "1":
		return AssuranceLow, nil
	case "substantial", "2":
		return AssuranceSubstantial, nil
	case "high", "3":
		return AssuranceHigh, nil
	}
	return AssuranceNone, fmt.Errorf("identity: unknown assurance level %q", s)
}

// Principal is the signed-in person (or, for bearer tokens, the calling
// client) as this package established it. Subject together with Issuer is
// the stable key; never key records on Email.
type Principal struct {
	// Issuer is the OpenID provider's issuer URL.
	Issuer string `json:"iss"`
	// Subject is the provider's stable identifier for the person.
	Subject string `json:"sub"`
	// Email is the email address, which may change and may be unverified.
	Email string `json:"email,omitempty"`
	// EmailVerified reports whether the provider verified Email.
	EmailVerified bool `json:"email_verified,omitempty"`
	// Name is the display name.
	Name string `json:"name,omitempty"`
	// Phone is the phone number as the provider reported it.
	Phone string `json:"phone_number,omitempty"`
	// Roles come from the provider's configured roles claim.
	Roles []string `json:"roles,omitempty"`
	// Assurance is the normalised assurance level of this login.
	Assurance AssuranceLevel `json:"assurance"`
	// AuthTime is when the person authenticated at the provider.
	AuthTime time.Time `json:"auth_time"`
	// Provider is the configured provider name, such as "resident".
	Provider string `json:"provider"`
	// Scopes holds the scopes of a bearer access token; empty for sessions.
	Scopes []string `json:"scopes,omitempty"`
	// Claims holds the raw ID token (and userinfo) claims, for example for
	// form prefill (see also PrefillValues). Sessions keep them without the
	// token-only claims exp, iat, nbf, nonce, at_hash, c_hash and jti and
	// without those the fields above hold (iss, sub, email,
	// email_verified, name, phone_number, auth_time; PrefillValues puts
	// them back), and drop them entirely if they would not fit in the
	// cookie. Treat the map
	// as read-only; it is shared by every request of the session.
	Claims map[string]any `json:"claims,omitempty"`
}

// HasRole reports whether the principal carries role r.
func (p *Principal) HasRole(r string) bool {
	return p != nil && slices.Contains(p.Roles, r)
}

// HasScope reports whether a bearer principal was granted scope s.
func (p *Principal) HasScope(s string) bool {
	return p != nil && slices.Contains(p.Scopes, s)
}

// PrefillValues returns a fresh map for form prefill: the raw claims plus
// the normalised fields under their OpenID claim names ("email",
// "email_verified", "name", "phone_number", "sub", "iss").
func (p *Principal) PrefillValues() map[string]any {
	if p == nil {
		return map[string]any{}
	}
	m := make(map[string]any, len(p.Claims)+6)
	maps.Copy(m, p.Claims)
	m["iss"] = p.Issuer
	m["sub"] = p.Subject
	if p.Email != "" {
		m["email"] = p.Email
		m["email_verified"] = p.EmailVerified
	}
	if p.Name != "" {
		m["name"] = p.Name
	}
	if p.Phone != "" {
		m["phone_number"] = p.Phone
	}
	return m
}

// identityKey holds either a bare principal (bearer tokens) or a session,
// in one context value so the middleware allocates one context, not two.
type identityKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, identityKey{}, p)
}

// PrincipalFrom returns the principal the middleware put on ctx, if any.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	switch v := ctx.Value(identityKey{}).(type) {
	case *Principal:
		return v, v != nil
	case *Session:
		if v != nil && v.Principal != nil {
			return v.Principal, true
		}
	}
	return nil, false
}

// rolesFromClaims reads roles at a dotted claim path such as "groups",
// "roles" or "realm_access.roles". The value may be a JSON array of strings
// or one space- or comma-separated string. Unknown shapes yield no roles.
func rolesFromClaims(claims map[string]any, path string) []string {
	if path == "" {
		return nil
	}
	var cur any = claims
	// A claim name may itself contain dots (e.g. a URL-named claim); try
	// the whole path as one key first.
	if v, ok := claims[path]; ok {
		cur = v
	} else {
		for part := range strings.SplitSeq(path, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur, ok = m[part]
			if !ok {
				return nil
			}
		}
	}
	const maxRoles = 256
	var roles []string
	switch v := cur.(type) {
	case []any:
		for _, r := range v {
			if s, ok := r.(string); ok && s != "" && len(roles) < maxRoles {
				roles = append(roles, s)
			}
		}
	case string:
		for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
			if len(roles) < maxRoles {
				roles = append(roles, s)
			}
		}
	}
	return roles
}

// AssuranceRequest is what to ask a provider for to reach one level.
type AssuranceRequest struct {
	// ACRValues are sent space-separated as acr_values (Login.gov, eIDAS).
	ACRValues []string
	// VTR is sent as vtr, a JSON array of vectors of trust such as
	// `["Cl.Cm.P2"]` (GOV.UK One Login).
	VTR string
}

// AssuranceConfig maps a provider's assurance vocabulary to levels.
type AssuranceConfig struct {
	// Request says what to ask for at each level. A login that needs level
	// L uses the entry of the smallest configured level at or above L.
	Request map[AssuranceLevel]AssuranceRequest
	// ACR maps values of the acr claim to levels. Checked first.
	ACR map[string]AssuranceLevel
	// VoT maps values of the vot claim (GOV.UK One Login) to levels.
	// Checked when acr gave no level.
	VoT map[string]AssuranceLevel
	// AMR maps authentication methods of the amr claim to levels; the
	// highest matching method counts. Checked last.
	AMR map[string]AssuranceLevel
	// Default is the level when nothing matched; usually AssuranceNone.
	Default AssuranceLevel
}

// request returns the parameters for a login needing at least min.
func (c *AssuranceConfig) request(minLevel AssuranceLevel) (AssuranceRequest, bool) {
	best := AssuranceLevel(-1)
	for lvl := range c.Request {
		if lvl >= minLevel && (best < 0 || lvl < best) {
			best = lvl
		}
	}
	if best < 0 {
		return AssuranceRequest{}, false
	}
	return c.Request[best], true
}

// Level maps the acr, vot and amr claims of a token to a level.
func (c *AssuranceConfig) Level(acr, vot string, amr []string) AssuranceLevel {
	if l, ok := c.ACR[acr]; ok && acr != "" {
		return l
	}
	if l, ok := c.VoT[vot]; ok && vot != "" {
		return l
	}
	found, best := false, AssuranceNone
	for _, m := range amr {
		if l, ok := c.AMR[m]; ok && (!found || l > best) {
			found, best = true, l
		}
	}
	if found {
		return best
	}
	return c.Default
}

// ActorSubject returns the principal's stable key: its issuer and subject.
// With ActorRoles and ActorAssurance it makes *Principal a
// workflow.Person, so workflow.ActorOf(p) is the workflow actor of the
// signed-in person (identity does not import workflow). A nil principal
// returns empty strings.
func (p *Principal) ActorSubject() (issuer, subject string) {
	if p == nil {
		return "", ""
	}
	return p.Issuer, p.Subject
}

// ActorRoles returns the principal's roles (nil for a nil principal).
// Treat the slice as read-only.
func (p *Principal) ActorRoles() []string {
	if p == nil {
		return nil
	}
	return p.Roles
}

// ActorAssurance returns the principal's assurance level (AssuranceNone
// for a nil principal).
func (p *Principal) ActorAssurance() adapters.Assurance {
	if p == nil {
		return AssuranceNone
	}
	return p.Assurance
}
