// Command embed is a whole city service inside an ordinary net/http
// server, in one file: residents report a broken streetlight through a
// form in English or Spanish, each report opens a case on the embedded
// SQLite store, and staff sign in to a work queue where they move cases
// on. Everything else is civickit's.
//
//	go run ./examples/embed
//
// Then open http://127.0.0.1:8080/ to report, and http://127.0.0.1:8080/queue/
// to sign in as "staff" on the development provider (127.0.0.1:9000, no
// password) and work the queue. Cases are kept in embed.db.
package main

import (
	"context"
	"log"
	"net/http"

	"github.com/civickit/civickit/adapters/sqlite"
	"github.com/civickit/civickit/casework"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/identity"
	"github.com/civickit/civickit/identity/devprovider"
	"github.com/civickit/civickit/keyring"
	"github.com/civickit/civickit/workflow"
)

// reportForm is the form residents fill in: a JSON Schema with civickit's
// labels, translations and error wording.
const reportForm = `{"type": "object", "x-form": {"id": "streetlight", "version": 1},
  "title": "Report a broken streetlight", "x-title": {"es": "Reportar una farola rota"}, "required": ["location"],
  "properties": {
    "location": {"type": "string", "maxLength": 200, "title": "Where is the streetlight?", "x-title": {"es": "¿Dónde está la farola?"},
      "description": "A street address or the nearest corner", "x-description": {"es": "Una dirección o la esquina más cercana"},
      "x-errorName": {"en": "where the streetlight is", "es": "dónde está la farola"}},
    "details": {"type": "string", "maxLength": 1000, "x-widget": "textarea", "title": "What is wrong with it?", "x-title": {"es": "¿Qué le pasa?"}}}}`

// repairFlow is the workflow of a report: staff start and finish the repair.
const repairFlow = `{"type": "streetlight", "version": 1, "initial": "reported",
  "states": [{"name": "reported", "title": "Reported"}, {"name": "repairing", "title": "Being repaired"},
    {"name": "fixed", "title": "Fixed", "terminal": "closed"}],
  "transitions": [{"trigger": "start", "title": "Start repair", "from": ["reported"], "to": "repairing", "roles": ["staff"]},
    {"trigger": "finish", "title": "Mark fixed", "from": ["repairing"], "to": "fixed", "roles": ["staff"]}]}`

func main() {
	dev := must(devprovider.Start("127.0.0.1:9000", nil))
	log.Print("reports on http://127.0.0.1:8080/, staff queue on http://127.0.0.1:8080/queue/")
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newApp(context.Background(), "embed.db", "http://127.0.0.1:8080", dev.Issuer())))
}

// newApp wires the service for an app served at appURL whose staff sign
// in at the OpenID provider issuer.
func newApp(ctx context.Context, dbPath, appURL, issuer string) http.Handler {
	store := must(sqlite.Open(ctx, dbPath, nil))
	form := must(must(forms.NewRegistry(nil)).Load(ctx, "streetlight.json", []byte(reportForm)))
	engine := must(workflow.New(store, nil))
	check(engine.Register(must(workflow.Compile(must(workflow.ParseDefinition([]byte(repairFlow))), nil))))
	// A new key each start signs everyone out on restart; keep keys in a secret store in production.
	ring := must(keyring.New(keyring.GenerateKey("k1"), nil, nil))
	sessions := must(identity.NewSessions(ring, &identity.SessionConfig{InsecureCookies: true})) // plain http on a laptop
	rp := must(identity.NewRelyingParty(ctx, []identity.ProviderConfig{{Name: "staff", Issuer: issuer, RolesClaim: "roles",
		ClientID: devprovider.DemoClientID, ClientSecret: devprovider.DemoSecret, RedirectURL: appURL + "/auth/callback/staff"}}, sessions, nil))
	pages := must(forms.NewRenderer(&forms.RenderConfig{Site: forms.Site{Name: "City of Riverside", HomeURL: "/"}}))
	mux := http.NewServeMux()
	mux.Handle("/assets/", http.StripPrefix("/assets/", forms.Assets()))
	mux.Handle("/auth/", rp.Handler())
	mux.Handle("/{$}", must(casework.NewIntake(casework.IntakeConfig{Form: form, Engine: engine, Pages: pages,
		Type: "streetlight", Languages: []string{"en", "es"}})))
	mux.Handle("/queue/", rp.RequireLogin(must(casework.NewQueue(casework.QueueConfig{Engine: engine, Pages: pages,
		Path: "/queue/", Roles: []string{"staff"}}))))
	return rp.Middleware(mux)
}

func must[T any](v T, err error) T { check(err); return v }

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
