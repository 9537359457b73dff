package casework_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/memory"
	"github.com/civickit/civickit/casework"
	"github.com/civickit/civickit/documents"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/identity"
	"github.com/civickit/civickit/workflow"
)

// The form and the workflow of the examples.
const (
	exampleForm = `{"type": "object", "x-form": {"id": "pothole", "version": 1}, "title": "Report a pothole",
  "required": ["location"], "properties": {"location": {"type": "string", "maxLength": 200,
    "title": "Where is the pothole?", "x-errorName": {"en": "where the pothole is"}}}}`
	exampleFlow = `{"type": "pothole", "version": 1, "initial": "reported",
  "states": [{"name": "reported", "title": "Reported"}, {"name": "fixed", "title": "Fixed", "terminal": "closed"}],
  "transitions": [{"trigger": "fix", "title": "Mark fixed", "from": ["reported"], "to": "fixed", "roles": ["crew"]}]}`
)

// exampleService returns an engine with the pothole workflow on a memory
// store, the pothole form, and a renderer.
func exampleService() (*workflow.Engine, *forms.Form, *forms.Renderer) {
	return exampleServiceOn(memory.New())
}

// exampleServiceOn is exampleService on store.
func exampleServiceOn(store workflow.Store) (*workflow.Engine, *forms.Form, *forms.Renderer) {
	ctx := context.Background()
	reg, err := forms.NewRegistry(nil)
	check(err)
	form, err := reg.Load(ctx, "pothole.json", []byte(exampleForm))
	check(err)
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	engine, err := workflow.New(store, &workflow.EngineConfig{Now: now})
	check(err)
	def, err := workflow.ParseDefinition([]byte(exampleFlow))
	check(err)
	flow, err := workflow.Compile(def, nil)
	check(err)
	check(engine.Register(flow))
	pages, err := forms.NewRenderer(&forms.RenderConfig{Site: forms.Site{Name: "City of Riverside"}})
	check(err)
	return engine, form, pages
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func ExampleNewIntake() {
	engine, form, pages := exampleService()
	intake, err := casework.NewIntake(casework.IntakeConfig{Form: form, Engine: engine, Pages: pages, Type: "pothole"})
	check(err)
	mux := http.NewServeMux()
	mux.Handle("/report", intake)

	// an app posts a report as JSON, and retries it
	for _, body := range []string{`{"location": "12 Elm Street"}`, `{"location": "12 Elm Street"}`, `{}`} {
		req := httptest.NewRequest(http.MethodPost, "/report", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "report-1")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			var p forms.Problem
			check(json.Unmarshal(rec.Body.Bytes(), &p))
			fmt.Println(rec.Code, p.Code+":", p.InvalidParams[0].Reason)
			continue
		}
		var c struct {
			State     string
			Version   int
			CreatedAt time.Time
		}
		check(json.Unmarshal(rec.Body.Bytes(), &c))
		fmt.Println(rec.Code, c.State, "version", c.Version, "at", c.CreatedAt.Format(time.Kitchen))
	}
	cases, err := engine.Queue(context.Background(), workflow.Actor{}, adapters.CaseQuery{Type: "pothole"})
	check(err)
	fmt.Println("cases:", len(cases.Items))

	// a browser gets the form as a page
	req := httptest.NewRequest(http.MethodGet, "/report", nil)
	req.Header.Set("Accept-Language", "en")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), "<title>Report a pothole – City of Riverside</title>"))
	// Output:
	// 201 reported version 1 at 9:00AM
	// 201 reported version 1 at 9:00AM
	// 422 validation: Enter where the pothole is.
	// cases: 1
	// 200 true
}

func ExampleNewQueue() {
	engine, _, pages := exampleService()
	queue, err := casework.NewQueue(casework.QueueConfig{Engine: engine, Pages: pages, Path: "/queue/", Roles: []string{"crew"}})
	check(err)
	// In an app, identity's middleware puts the signed-in person on the
	// request; here the crew member is signed in on every request.
	crew := &identity.Principal{Issuer: "https://id.example", Subject: "crew-7", Roles: []string{"crew"}}
	signedIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queue.ServeHTTP(w, r.WithContext(identity.WithPrincipal(r.Context(), crew)))
	})
	c, err := engine.Open(context.Background(), workflow.OpenParams{Type: "pothole", Data: json.RawMessage(`{"location": "12 Elm Street"}`)})
	check(err)

	// the crew's app lists the queue
	req := httptest.NewRequest(http.MethodGet, "/queue/", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	signedIn.ServeHTTP(rec, req)
	var list struct {
		Items []struct {
			State   string
			Version int
			Actions []struct {
				Trigger string
				Allowed bool
			}
		}
	}
	check(json.Unmarshal(rec.Body.Bytes(), &list))
	for _, it := range list.Items {
		fmt.Println(rec.Code, it.State, "version", it.Version, "action", it.Actions[0].Trigger, it.Actions[0].Allowed)
	}

	// and presses "Mark fixed" with the version it showed; a second
	// press from the same page finds the case changed
	for _, version := range []string{"1", "1"} {
		req = httptest.NewRequest(http.MethodPost, "/queue/"+c.ID+"/fix", strings.NewReader("version="+version))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec = httptest.NewRecorder()
		signedIn.ServeHTTP(rec, req)
		if loc := rec.Header().Get("Location"); loc != "" {
			fmt.Println(rec.Code, "back to", loc)
		} else {
			fmt.Println(rec.Code, http.StatusText(rec.Code))
		}
	}
	now, err := engine.Queue(context.Background(), workflow.Actor{}, adapters.CaseQuery{Type: "pothole"})
	check(err)
	fmt.Println("state:", now.Items[0].Case.State)
	// Output:
	// 200 reported version 1 action fix true
	// 303 back to /queue/
	// 409 Conflict
	// state: fixed
}

func ExampleNewFiles() {
	ctx := context.Background()
	store := memory.New()
	engine, _, pages := exampleServiceOn(store)
	linkKey := make([]byte, documents.MinLinkKeyLen)
	_, _ = rand.Read(linkKey)
	docs, err := documents.Open(ctx, documents.Config{Bucket: "mem://", Records: store,
		Scanner: documents.EICAR{}, LinkKey: linkKey}) // the city's antivirus in production
	check(err)
	defer docs.Close()
	files, err := casework.NewFiles(casework.FilesConfig{Store: store, Documents: docs, Pages: pages,
		Path: "/cases/", Roles: []string{"crew"}})
	check(err)
	mux := http.NewServeMux()
	mux.Handle("/cases/", files)
	mux.Handle("/files/", docs.Handler()) // documents.DefaultLinkPath

	// a resident's report with a file, as an intake stores it
	ana := &identity.Principal{Issuer: "https://id.example", Subject: "ana"}
	ref, err := docs.Put(ctx, forms.Upload{Field: "details", Name: "notes.txt", Accept: []string{"text/plain"},
		MaxSize: 1 << 20, Owner: ana.Subject, OwnerIssuer: ana.Issuer, Body: strings.NewReader("Deep, by the bus stop.\n")})
	check(err)
	c, err := engine.Open(ctx, workflow.OpenParams{Type: "pothole", Actor: workflow.ActorOf(ana),
		Submission: &adapters.Submission{FormID: "pothole", FormVersion: 1,
			Data: json.RawMessage(`{"location": "12 Elm Street"}`), Files: []adapters.FileRef{ref}}})
	check(err)

	// In an app, identity's middleware puts the signed-in person on the
	// request; here ana and then a neighbour ask for the case's files.
	neighbour := &identity.Principal{Issuer: "https://id.example", Subject: "ben"}
	for _, p := range []*identity.Principal{ana, neighbour} {
		req := httptest.NewRequest(http.MethodGet, "/cases/"+c.ID, nil)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req.WithContext(identity.WithPrincipal(req.Context(), p)))
		if rec.Code != http.StatusOK {
			fmt.Println(p.Subject, rec.Code, http.StatusText(rec.Code))
			continue
		}
		var list struct {
			Files []struct{ Name, Status, Download string }
		}
		check(json.Unmarshal(rec.Body.Bytes(), &list))
		f := list.Files[0]
		fmt.Println(p.Subject, rec.Code, f.Name, f.Status)

		// the link on the page serves the file, for a few minutes
		rec = httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, f.Download, nil))
		fmt.Print(rec.Code, " ", rec.Header().Get("Content-Disposition"), " ", rec.Body.String())
	}
	// Output:
	// ana 200 notes.txt clean
	// 200 attachment; filename*=UTF-8''notes.txt Deep, by the bus stop.
	// ben 404 Not Found
}
