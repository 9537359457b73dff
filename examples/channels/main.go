// Command channels shows a city's messages going out and coming back on
// real channels, on the embedded SQLite store:
//
//   - Email. A resident reports a broken streetlight on the web; each
//     step of the repair reaches her by email, sent by adapters/smtp
//     through an SMTP server (here one running in this process, which
//     prints what it receives). She answers the email, and the reply,
//     taken in by the reply listener (smtp.Listener) and routed by the
//     signed Reply-To address, becomes a comment on her case.
//
//   - Text messages. Another resident, with no smartphone, reports one
//     by text: the same form definition is asked one question per
//     message (casework.Texting over forms.Conversation), each text
//     arriving through the Twilio webhook handler (adapters/twilio),
//     signed as Twilio signs it. YES opens the case, exactly as the web
//     form would, with channel "sms", and the repair's updates come back
//     by text.
//
//     go run ./examples/channels
//
// Outgoing texts go to an in-memory development mailbox standing in for
// Twilio's API, so the program needs no account and sends nothing.
package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/devchannel"
	"github.com/civickit/civickit/adapters/smtp"
	"github.com/civickit/civickit/adapters/sqlite"
	"github.com/civickit/civickit/adapters/twilio"
	"github.com/civickit/civickit/casework"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/forms"
	"github.com/civickit/civickit/workflow"
)

//go:embed streetlight.form.json
var formJSON []byte

//go:embed streetlight.workflow.json
var workflowJSON []byte

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "channels:", err)
		os.Exit(1)
	}
}

// The people in the story.
var (
	ana  = workflow.Actor{Subject: "ana", Assurance: workflow.AssuranceLow}
	crew = workflow.Actor{Subject: "crew-4", Roles: []string{"crew"}, Assurance: workflow.AssuranceSubstantial}
)

const (
	// benPhone texts in; cityPhone is the city's number.
	benPhone  = "+12025550143"
	cityPhone = "+12025550100"
	// twilioToken is the auth token Twilio signs webhooks with; a real
	// one comes from the city's secret store.
	twilioToken = "example-auth-token"
	// publicBase is where Twilio reaches the city's webhooks.
	publicBase = "https://city.example.gov"
)

// city is everything the program wires together.
type city struct {
	store    *sqlite.Store
	engine   *workflow.Engine
	dispatch *feedback.Dispatcher
	comments *feedback.Comments
	mail     *mailServer
	texts    *devchannel.Mailbox
	out      io.Writer
	// replies is the address of the email reply listener; webhook the
	// Twilio handler for incoming texts; texted counts the texts sent.
	replies string
	webhook http.Handler
	texted  int
}

func run(ctx context.Context, out io.Writer) error {
	dir, err := os.MkdirTemp("", "civickit-channels-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	c, stop, err := build(ctx, out, filepath.Join(dir, "city.db"))
	if err != nil {
		return err
	}
	defer stop()
	if err := c.byEmail(ctx); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	return c.byText(ctx)
}

// build opens the store and wires the engine, the channels, the
// dispatcher and the inbound side; stop releases them.
func build(ctx context.Context, out io.Writer, db string) (*city, func(), error) {
	store, err := sqlite.Open(ctx, db, nil)
	if err != nil {
		return nil, nil, err
	}
	c := &city{store: store, out: out, texts: devchannel.NewMailbox()}
	stops := []func(){func() { _ = store.Close() }}
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	fail := func(err error) (*city, func(), error) { stop(); return nil, nil, err }

	if c.engine, err = workflow.New(store, nil); err != nil {
		return fail(err)
	}
	def, err := workflow.ParseDefinition(workflowJSON)
	if err != nil {
		return fail(err)
	}
	flow, err := workflow.Compile(def, nil)
	if err != nil {
		return fail(err)
	}
	if err := c.engine.Register(flow); err != nil {
		return fail(err)
	}

	// Email goes out through an SMTP server: here one in this process.
	if c.mail, err = startMailServer(); err != nil {
		return fail(err)
	}
	stops = append(stops, c.mail.close)
	routing := smtp.Routing{ReplyTo: "replies@city.example.gov", Secret: []byte("a secret of at least 16 bytes, from the secret store")}
	host, port, err := net.SplitHostPort(c.mail.addr)
	if err != nil {
		return fail(err)
	}
	portNum, err := strconv.Atoi(port)
	if err != nil {
		return fail(err)
	}
	email, err := smtp.New(smtp.Config{Host: host, Port: portNum, TLS: smtp.InsecureNoTLS,
		From: "City of Springfield <noreply@city.example.gov>", Routing: routing})
	if err != nil {
		return fail(err)
	}
	stops = append(stops, func() { _ = email.Close() })

	own, err := fs.Sub(templateFiles, "templates")
	if err != nil {
		return fail(err)
	}
	templates, err := feedback.LoadTemplates(feedback.Overlay(feedback.DefaultTemplates(), own),
		&feedback.TemplatesConfig{OtherFields: workflow.MessageFields})
	if err != nil {
		return fail(err)
	}
	if c.dispatch, err = feedback.NewDispatcher(store, store, &feedback.DispatcherConfig{
		Channels: []adapters.Channel{email, c.texts.Channel("sms")}, Renderer: templates}); err != nil {
		return fail(err)
	}

	// Replies: opt-out words change preferences, anything else becomes a
	// comment on the case the reply names.
	prefs, err := feedback.NewPreferences(store, nil)
	if err != nil {
		return fail(err)
	}
	if c.comments, err = feedback.NewComments(store, nil); err != nil {
		return fail(err)
	}
	inbound, err := feedback.NewInbound(store, prefs, c.comments, nil)
	if err != nil {
		return fail(err)
	}
	listener, err := smtp.NewListener(routing, inbound, store, &smtp.ListenerConfig{Domain: "city.example.gov"})
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	go func() { _ = listener.Serve(ln) }()
	stops = append(stops, func() { _ = listener.Close() })
	c.replies = ln.Addr().String()

	// Texts: a keyword starts the form as a conversation; every other
	// text goes on to inbound.
	reg, err := forms.NewRegistry(nil)
	if err != nil {
		return fail(err)
	}
	form, err := reg.Load(ctx, "streetlight.form.json", formJSON)
	if err != nil {
		return fail(err)
	}
	texting, err := casework.NewTexting(casework.TextingConfig{
		Services: []casework.TextService{{Keywords: map[string]string{"LIGHT": "en", "LUZ": "es"}, Form: form, Type: "streetlight"}},
		Store:    store, Engine: c.engine, Consent: prefs, Next: inbound,
	})
	if err != nil {
		return fail(err)
	}
	hook, err := twilio.NewInboundHandler(texting, store, &twilio.WebhookConfig{AuthTokens: []string{twilioToken},
		PublicBase: publicBase, HelpText: "City of Springfield 311. Text LIGHT to report a streetlight. Reply STOP to stop."})
	if err != nil {
		return fail(err)
	}
	c.webhook = hook
	return c, stop, nil
}

// byEmail is Ana's report: filed on the web, followed by email, answered
// by email.
func (c *city) byEmail(ctx context.Context) error {
	fmt.Fprintln(c.out, "== Ana reports a streetlight on the web and follows it by email")
	prefs, err := feedback.NewPreferences(c.store, nil)
	if err != nil {
		return err
	}
	if err := prefs.SavePreferences(ctx, adapters.Person{ID: ana.Subject, Locale: "en", Channels: []string{"email"},
		Addresses: map[string]string{"email": "ana@example.org"}}); err != nil {
		return err
	}
	opened, err := c.engine.Open(ctx, workflow.OpenParams{Type: "streetlight", Actor: ana,
		Data: []byte(`{"problem":"out","location":"Elm St and 4th Ave"}`)})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "case %s opened: %s\n", short(opened.ID), opened.State)
	if err := c.deliver(ctx); err != nil {
		return err
	}
	if _, err := c.engine.Fire(ctx, workflow.FireParams{CaseID: opened.ID, Trigger: "schedule", Actor: crew}); err != nil {
		return err
	}
	fmt.Fprintln(c.out, "the crew schedules the repair")
	if err := c.deliver(ctx); err != nil {
		return err
	}
	// Ana answers the last email. Her mail program sends the reply to the
	// Reply-To address, which carries her case, signed.
	last := c.mail.last()
	reply := "From: Ana <ana@example.org>\r\nTo: " + last.replyTo + "\r\nSubject: Re: " + last.subject +
		"\r\nMessage-ID: <reply-1@example.org>\r\nIn-Reply-To: <" + last.messageID + ">\r\n\r\n" +
		"The light is behind the bus shelter.\r\n\r\nOn Tue, Dec 1, 2026 at 9:14 AM City of Springfield <noreply@city.example.gov> wrote:\r\n> A crew is scheduled to repair the streetlight you reported.\r\n"
	if err := sendMail(c.replies, "ana@example.org", last.replyTo, reply); err != nil {
		return err
	}
	page, err := c.comments.List(ctx, feedback.ListQuery{Thread: adapters.CaseTopic(opened.ID)})
	if err != nil {
		return err
	}
	for _, cm := range page.Comments {
		fmt.Fprintf(c.out, "comment on case %s by %s via %s: %q\n", short(opened.ID), cm.Author, cm.Via, cm.Body)
	}
	return nil
}

// byText is Ben's report, answered entirely by text message.
func (c *city) byText(ctx context.Context) error {
	fmt.Fprintln(c.out, "\n== Ben reports a streetlight by text message")
	for _, body := range []string{"light", "4", "1", "Oak Rd by the library", "SKIP", "YES"} {
		if err := c.text(ctx, body); err != nil {
			return err
		}
	}
	page, err := c.store.ListCases(ctx, adapters.CaseQuery{Submitter: "sms:" + benPhone})
	if err != nil {
		return err
	}
	if len(page.Cases) != 1 {
		return fmt.Errorf("%d cases opened by text, want 1", len(page.Cases))
	}
	opened := page.Cases[0]
	fmt.Fprintf(c.out, "case %s opened by %s on channel %s: %s\n", short(opened.ID), opened.Submitter, opened.Channel, opened.Data)
	for _, trigger := range []string{"schedule", "fix"} {
		if _, err := c.engine.Fire(ctx, workflow.FireParams{CaseID: opened.ID, Trigger: trigger, Actor: crew}); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "the crew fires %q\n", trigger)
		if err := c.deliver(ctx); err != nil {
			return err
		}
	}
	return nil
}

// text posts body from Ben's phone to the webhook as Twilio would, signed
// with the account's auth token, then delivers what it queued.
func (c *city) text(ctx context.Context, body string) error {
	c.texted++
	form := url.Values{"MessageSid": {fmt.Sprintf("SM%032x", c.texted)}, "AccountSid": {"AC" + strings.Repeat("0", 32)},
		"From": {benPhone}, "To": {cityPhone}, "Body": {body}, "NumMedia": {"0"}}
	const path = "/twilio/sms"
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set(twilio.SignatureHeader, twilio.Sign(twilioToken, publicBase+path, form))
	w := httptest.NewRecorder()
	c.webhook.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		return fmt.Errorf("webhook answered %d: %s", w.Code, w.Body)
	}
	fmt.Fprintf(c.out, "ben> %s\n", body)
	return c.deliver(ctx)
}

// deliver runs the dispatcher until the outbox has nothing due, and
// prints what was sent on each channel.
func (c *city) deliver(ctx context.Context) error {
	before := len(c.texts.Messages("sms"))
	for {
		n, err := c.dispatch.DispatchOnce(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	for _, m := range c.texts.Messages("sms")[before:] {
		for _, line := range strings.Split(m.Text, "\n") {
			fmt.Fprintf(c.out, "  city> %s\n", line)
		}
	}
	for _, m := range c.mail.take() {
		fmt.Fprintf(c.out, "  email to %s: %q\n    reply-to %s\n    %s\n", m.to, m.subject, m.replyTo, strings.ReplaceAll(strings.TrimSpace(m.text), "\n", "\n    "))
	}
	return nil
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
