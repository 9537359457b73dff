package identity

import (
	"fmt"
	"net/http"
	"strings"
)

// Middleware loads the session of every request and puts its principal on
// the context; see Sessions.Middleware.
func (rp *RelyingParty) Middleware(next http.Handler) http.Handler {
	return rp.sessions.Middleware(next)
}

// wantsHTML tells a browser navigation from an API call: browsers send
// Accept: text/html on navigations, API clients rarely do.
func wantsHTML(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// returnPathOf is the request's own path and query if it is a valid
// return path, else "/".
func returnPathOf(r *http.Request) string {
	p := r.URL.RequestURI()
	if _, err := ValidateReturnPath(p); err != nil {
		return "/"
	}
	return p
}

// RequireLogin lets requests with a principal through. Browsers without one
// are redirected to the default provider's login and come back to the same
// path; API calls get 401 with WWW-Authenticate. Put it after Middleware.
func (rp *RelyingParty) RequireLogin(next http.Handler) http.Handler {
	return rp.RequireAssurance(AssuranceNone)(next)
}

// RequireAssurance is RequireLogin that also demands at least level. A
// signed-in browser below it is sent to log in again at the same provider
// asking for level (step-up). API calls get 401 with error
// "insufficient_user_authentication" (RFC 9470) and the acr_values to ask for.
func (rp *RelyingParty) RequireAssurance(level AssuranceLevel) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pr, ok := PrincipalFrom(r.Context())
			if ok && pr.Assurance >= level {
				next.ServeHTTP(w, r)
				return
			}
			rp.StepUp(w, r, level)
		})
	}
}

func unauthorized(w http.ResponseWriter, challenge string) {
	w.Header().Set("WWW-Authenticate", challenge)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "unauthorized", http.StatusUnauthorized)
}

// RequireRole lets through principals holding at least one of roles;
// others get 403, and requests without a principal 401. Put it after
// RequireLogin (browsers) or a bearer middleware (APIs).
func RequireRole(roles ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pr, ok := PrincipalFrom(r.Context())
			if !ok {
				unauthorized(w, `Bearer realm="civickit"`)
				return
			}
			for _, role := range roles {
				if pr.HasRole(role) {
					next.ServeHTTP(w, r)
					return
				}
			}
			http.Error(w, "forbidden", http.StatusForbidden)
		})
	}
}

// StepUp answers a request whose principal lacks level (for example when a
// workflow transition needs a higher assurance): browsers are redirected
// to log in again at the principal's provider asking for level and come
// back to the same path; API calls get 401 with error
// "insufficient_user_authentication" (RFC 9470). Without a principal it
// behaves like RequireLogin.
func (rp *RelyingParty) StepUp(w http.ResponseWriter, r *http.Request, level AssuranceLevel) {
	pr, ok := PrincipalFrom(r.Context())
	provider := rp.defProv
	if ok {
		if _, known := rp.providers[pr.Provider]; known {
			provider = pr.Provider
		}
	}
	if wantsHTML(r) {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, rp.LoginURL(provider, returnPathOf(r), level), http.StatusSeeOther)
		return
	}
	if !ok {
		unauthorized(w, `Bearer realm="civickit"`)
		return
	}
	challenge := `Bearer realm="civickit", error="insufficient_user_authentication", error_description="assurance level too low"`
	if req, found := rp.providers[provider].cfg.Assurance.request(level); found && len(req.ACRValues) > 0 {
		challenge += fmt.Sprintf(`, acr_values=%q`, strings.Join(req.ACRValues, " "))
	}
	unauthorized(w, challenge)
}
