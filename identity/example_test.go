package identity_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/civickit/civickit/identity"
	"github.com/civickit/civickit/identity/devprovider"
	"github.com/civickit/civickit/keyring"
)

func ExampleValidateReturnPath() {
	for _, p := range []string{"/cases/42?tab=notes", "//evil.example", "https://evil.example", `/\evil.example`} {
		_, err := identity.ValidateReturnPath(p)
		fmt.Printf("%-22s %v\n", p, errors.Is(err, identity.ErrReturnPath))
	}
	// Output:
	// /cases/42?tab=notes    false
	// //evil.example         true
	// https://evil.example   true
	// /\evil.example         true
}

func ExampleAssuranceConfig_Level() {
	govUK := identity.AssuranceConfig{
		VoT: map[string]identity.AssuranceLevel{"Cl.Cm": identity.AssuranceLow, "Cl.Cm.P2": identity.AssuranceSubstantial},
	}
	fmt.Println(govUK.Level("", "Cl.Cm.P2", nil))
	fmt.Println(govUK.Level("", "Cl", nil))
	// Output:
	// substantial
	// none
}

func ExampleSessions_Middleware() {
	ring, _ := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	sessions, _ := identity.NewSessions(ring, nil)

	// A login issues the cookie...
	rec := httptest.NewRecorder()
	_, _ = sessions.Issue(context.Background(), rec, &identity.Principal{
		Issuer: "https://idp.int.identitysandbox.gov", Subject: "8d3c-example", Provider: "resident",
		Assurance: identity.AssuranceSubstantial,
	}, "", "")

	// ...and every later request carries it.
	h := sessions.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := identity.PrincipalFrom(r.Context())
		fmt.Println(ok, p.Subject, p.Assurance)
	}))
	req := httptest.NewRequest(http.MethodGet, "/cases", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	h.ServeHTTP(httptest.NewRecorder(), req)
	// Output: true 8d3c-example substantial
}

func ExampleRequireRole() {
	h := RequireInspector(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "inspection list")
	}))
	for _, roles := range [][]string{{"staff", "inspector"}, {"staff"}} {
		req := httptest.NewRequest(http.MethodGet, "/inspections", nil)
		req = req.WithContext(identity.WithPrincipal(req.Context(), &identity.Principal{Subject: "s", Roles: roles}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(strings.Join(roles, "+"), rec.Code)
	}
	// Output:
	// staff+inspector 200
	// staff 403
}

// RequireInspector is a route guard built from RequireRole.
var RequireInspector = identity.RequireRole("inspector")

// ExampleNewRelyingParty signs a demo resident in against the in-process
// development provider, end to end.
func ExampleNewRelyingParty() {
	ctx := context.Background()
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	defer app.Close()

	dev, err := devprovider.Start("127.0.0.1:0", &devprovider.Config{Clients: []devprovider.Client{{
		ID: "city-portal", Secret: "dev-secret", RedirectURIs: []string{app.URL + "/auth/callback/resident"},
	}}})
	if err != nil {
		panic(err)
	}
	defer dev.Close(ctx)

	ring, _ := keyring.New(keyring.GenerateKey("k1"), nil, nil)
	sessions, _ := identity.NewSessions(ring, &identity.SessionConfig{InsecureCookies: true}) // plain http on a laptop
	rp, err := identity.NewRelyingParty(ctx, []identity.ProviderConfig{{
		Name: "resident", Issuer: dev.Issuer(), ClientID: "city-portal", ClientSecret: "dev-secret",
		RedirectURL: app.URL + "/auth/callback/resident",
		Assurance: identity.AssuranceConfig{ACR: map[string]identity.AssuranceLevel{
			devprovider.ACRAuthOnly: identity.AssuranceLow, devprovider.ACRVerified: identity.AssuranceSubstantial,
		}},
		// The development provider signs login_hint accounts in without a form.
		AuthParams: map[string]string{"login_hint": "resident-substantial"},
	}}, sessions, nil)
	if err != nil {
		panic(err)
	}
	mux.Handle("/auth/", rp.Handler())
	mux.Handle("/", rp.Middleware(rp.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := identity.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "hello %s (%s, assurance %s)", p.Name, p.Email, p.Assurance)
	}))))

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	req, _ := http.NewRequest(http.MethodGet, app.URL+"/", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := browser.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(string(b))
	// Output: hello Sam Substantial (sam.substantial@example.org, assurance substantial)
}
