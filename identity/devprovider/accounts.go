package devprovider

// Account is a demo person who can sign in with one click.
type Account struct {
	// ID is the stable subject (sub claim).
	ID string
	// Username is shown on the login page and accepted as login_hint.
	Username string
	// Email and Name fill the standard claims; the email counts as verified.
	Email, Name string
	// Phone fills phone_number.
	Phone string
	// Roles are sent as both "roles" and "groups" claims.
	Roles []string
	// ACR is the acr claim of this account's logins (Login.gov vocabulary
	// by default).
	ACR string
	// VoT is the vot claim (GOV.UK One Login vocabulary).
	VoT string
	// AMR lists authentication methods (amr claim).
	AMR []string
}

// Assurance values carried by the demo accounts' acr claims.
const (
	// ACRAuthOnly is Login.gov's authentication-only level (IAL1).
	ACRAuthOnly = "urn:acr.login.gov:auth-only"
	// ACRVerified is Login.gov's identity-verified level (IAL2).
	ACRVerified = "urn:acr.login.gov:verified"
	// ACRFacialMatch is Login.gov's verified level with facial match.
	ACRFacialMatch = "urn:acr.login.gov:verified-facial-match-required"
	// ACRStaffMFA marks the demo staff accounts' multi-factor logins.
	ACRStaffMFA = "urn:civickit:staff:mfa"
)

// The demo client registered by default.
const (
	// DemoClientID is the client_id of the default demo client.
	DemoClientID = "civickit-demo"
	// DemoSecret is the default demo client's secret. It is public: the
	// development provider is not for production.
	DemoSecret = "civickit-demo-secret"

	demoRedirectURI = "http://127.0.0.1:8080/auth/callback/resident"
)

// DemoAccounts returns the built-in accounts: a resident at each assurance
// level (low, substantial, high), a staff member, an inspector and a
// moderator. Usernames double as login_hint values.
func DemoAccounts() []Account {
	return []Account{
		{ID: "resident-low-0001", Username: "resident-low", Email: "riley.low@example.org", Name: "Riley Low", Phone: "+15555550101", ACR: ACRAuthOnly, VoT: "Cl.Cm", AMR: []string{"pwd", "otp"}},
		{ID: "resident-substantial-0002", Username: "resident-substantial", Email: "sam.substantial@example.org", Name: "Sam Substantial", Phone: "+15555550102", ACR: ACRVerified, VoT: "Cl.Cm.P2", AMR: []string{"pwd", "otp"}},
		{ID: "resident-high-0003", Username: "resident-high", Email: "harper.high@example.org", Name: "Harper High", Phone: "+15555550103", ACR: ACRFacialMatch, VoT: "Cl.Cm.P3", AMR: []string{"hwk", "face"}},
		{ID: "staff-0004", Username: "staff", Email: "sasha.staff@city.example", Name: "Sasha Staff", Roles: []string{"staff"}, ACR: ACRStaffMFA, AMR: []string{"pwd", "mfa"}},
		{ID: "inspector-0005", Username: "inspector", Email: "ines.inspector@city.example", Name: "Ines Inspector", Roles: []string{"staff", "inspector"}, ACR: ACRStaffMFA, AMR: []string{"pwd", "mfa"}},
		{ID: "moderator-0006", Username: "moderator", Email: "morgan.moderator@city.example", Name: "Morgan Moderator", Roles: []string{"staff", "moderator"}, ACR: ACRStaffMFA, AMR: []string{"pwd", "mfa"}},
	}
}

// DemoClients returns one confidential client, DemoClientID with
// DemoSecret, allowed to redirect to /auth/callback/resident and
// /auth/callback/staff on any loopback origin (127.0.0.1, [::1] or
// localhost, any port), and after logout to / on any loopback origin.
func DemoClients() []Client {
	return []Client{{
		ID:                     DemoClientID,
		Secret:                 DemoSecret,
		AuthMethod:             "client_secret_basic",
		RedirectURIs:           []string{demoRedirectURI, "http://127.0.0.1:8080/auth/callback/staff"},
		PostLogoutRedirectURIs: []string{"http://127.0.0.1:8080/"},
	}}
}
