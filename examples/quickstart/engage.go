package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/devchannel"
	"github.com/civickit/civickit/feedback"
	"github.com/civickit/civickit/keyring"
	"github.com/civickit/civickit/workflow"
)

// templateFiles are the quickstart's own notification templates, one
// folder per template the permit workflow names, laid out as
// feedback.LoadTemplates reads them (<template>/email.en.txt).
//
//go:embed templates
var templateFiles embed.FS

// surveyURL is where a city would serve feedback.Surveys.Handler; the
// quickstart only makes links to it.
const surveyURL = "https://city.example.gov/survey"

// neighbour follows the area the permit is in; it is their person id.
const neighbour = "resident-57"

// ward is the area 12 Harbour Row lies in.
var ward = adapters.AreaTopic("harbour-ward")

// newSurveys returns the satisfaction surveys: links sealed with a key
// ring, answers kept in the store. The key is made afresh on each run, so
// links of an earlier run no longer open; a service loads its keys from
// its secret store instead, and keeps retired ones in the ring.
func newSurveys(store adapters.Store, clock func() time.Time) (*feedback.Surveys, error) {
	ring, err := keyring.New(keyring.GenerateKey("quickstart"), nil, nil)
	if err != nil {
		return nil, err
	}
	return feedback.NewSurveys(ring, store, &feedback.SurveysConfig{BaseURL: surveyURL, Now: clock})
}

// loadTemplates reads the quickstart's templates over the SDK's own
// (official updates, surveys, opt-out confirmations), declaring for each
// workflow notification the fields the engine writes. A notification the
// workflow names without a template would fail only when it is sent, so
// it stops the program here, at start-up, as a broken form does.
func loadTemplates(w *workflow.Workflow) (*feedback.Templates, error) {
	own, err := fs.Sub(templateFiles, "templates")
	if err != nil {
		return nil, err
	}
	names := notificationTemplates(w.Definition())
	fields := make(map[string][]string, len(names))
	for _, name := range names {
		fields[name] = workflow.MessageFields
	}
	ts, err := feedback.LoadTemplates(feedback.Overlay(feedback.DefaultTemplates(), own), &feedback.TemplatesConfig{Fields: fields})
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, name := range names {
		if !slices.Contains(ts.Names(), name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s v%d notifies with templates that are not loaded: %s", w.Type(), w.Version(), strings.Join(missing, ", "))
	}
	return ts, nil
}

// notificationTemplates lists, once each and sorted, the templates a
// workflow definition's notifications and SLA reminders name.
func notificationTemplates(def *workflow.Definition) []string {
	var names []string
	for _, s := range def.States {
		for _, n := range s.Notify {
			names = append(names, n.Template)
		}
		if s.SLA != nil && s.SLA.Reminder != nil {
			names = append(names, s.SLA.Reminder.Template)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// engage plays what follows the decision: the resident's contact
// preferences, a public conversation on the case, an official update to
// the neighbours who follow the area, the delivery of every message due,
// and the resident's answer to the survey the approval queued.
func engage(ctx context.Context, out io.Writer, store adapters.Store, ts *feedback.Templates, surveys *feedback.Surveys, c adapters.Case, clock *storyClock) error {
	fmt.Fprintf(out, "\nfeedback on case %s:\n", short(c.ID))
	// The resident and the neighbour say how to reach them; the
	// dispatcher reads these preferences for every message.
	prefs, err := feedback.NewPreferences(store, &feedback.PreferencesConfig{Now: clock.Now})
	if err != nil {
		return err
	}
	for _, p := range []adapters.Person{
		{ID: resident.Subject, Locale: "en-GB", Channels: []string{adapters.ChannelEmail}, Addresses: map[string]string{adapters.ChannelEmail: "resident42@example.org"}},
		{ID: neighbour, Locale: "en", Channels: []string{adapters.ChannelEmail}, Addresses: map[string]string{adapters.ChannelEmail: "neighbour57@example.org"}},
	} {
		if err := prefs.SavePreferences(ctx, p); err != nil {
			return err
		}
	}

	// The resident asks a question on the case; a clerk answers in public
	// and leaves a note only staff read.
	comments, err := feedback.NewComments(store, &feedback.CommentsConfig{Now: clock.Now})
	if err != nil {
		return err
	}
	thread := adapters.CaseTopic(c.ID)
	clock.advance(30 * time.Minute)
	asked := "Thank you! Can the inspection be on a Friday?"
	if _, err := comments.Add(ctx, feedback.Author{Subject: resident.Subject}, feedback.NewComment{Thread: thread, Body: asked}); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  %s commented: %q\n", clock.Now().Format(when), resident.Subject, asked)
	clock.advance(20 * time.Minute)
	staff := feedback.Author{Subject: clerk.Subject, Name: "Permit desk", Staff: true}
	for _, n := range []feedback.NewComment{
		{Thread: thread, Body: "Yes: book any Friday at the permit desk."},
		{Thread: thread, Body: "Inspector on call Fridays: plan-review rota.", Internal: true},
	} {
		if _, err := comments.Add(ctx, staff, n); err != nil {
			return err
		}
	}
	public, err := comments.List(ctx, feedback.ListQuery{Thread: thread})
	if err != nil {
		return err
	}
	all, err := comments.List(ctx, feedback.ListQuery{Thread: thread, Staff: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  %s replied and noted: residents see %d comments, staff %d\n", clock.Now().Format(when), clerk.Subject, len(public.Comments), len(all.Comments))

	// A neighbour follows the area; staff post one official update there,
	// which the store fans out to every follower in the same call.
	subs, err := feedback.NewSubscriptions(store, &feedback.SubscriptionsConfig{Now: clock.Now})
	if err != nil {
		return err
	}
	if err := subs.Follow(ctx, neighbour, ward); err != nil {
		return err
	}
	updates, err := feedback.NewUpdates(store, &feedback.UpdatesConfig{Now: clock.Now})
	if err != nil {
		return err
	}
	clock.advance(10 * time.Minute)
	u, err := updates.PostUpdate(ctx, feedback.UpdateInput{Topic: ward, Author: clerk.Subject,
		Title: "Deck approved at 12 Harbour Row", Body: "Works may start once the footings are inspected."})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  %s follows %s; %s posted %q\n", u.CreatedAt.Format(when), neighbour, ward, clerk.Subject, u.Title)

	// The dispatcher delivers what is due to a development mailbox: each
	// message rendered for its recipient's channel and locale. One worker
	// keeps the order of the lines below.
	box := devchannel.NewMailbox()
	d, err := feedback.NewDispatcher(store, store, &feedback.DispatcherConfig{
		Channels: []adapters.Channel{box.Channel(adapters.ChannelEmail)}, Renderer: ts,
		Owner: "quickstart", Workers: 1, Now: clock.Now,
	})
	if err != nil {
		return err
	}
	clock.advance(5 * time.Minute)
	if _, err := d.DispatchOnce(ctx); err != nil {
		return err
	}
	sent := box.Messages(adapters.ChannelEmail)
	fmt.Fprintf(out, "%s  dispatcher delivered %d messages:\n", clock.Now().Format(when), len(sent))
	var survey adapters.Outgoing
	for _, m := range sent {
		fmt.Fprintf(out, "  %s  to %-23s  %s\n", adapters.ChannelEmail, m.To, m.Subject)
		if m.MessageID == "survey/"+c.ID {
			survey = m
		}
	}

	// The next morning the resident follows the survey link and answers.
	token, err := surveyToken(survey.Text)
	if err != nil {
		return err
	}
	clock.advance(18 * time.Hour)
	resolved := true
	if err := surveys.Respond(ctx, token, feedback.Answer{Rating: 5, Resolved: &resolved, Comment: "Quick and clear."}); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  %s answered the survey: 5 of 5, resolved\n", clock.Now().Format(when), resident.Subject)
	tallies, err := store.SurveyStats(ctx, adapters.SurveyQuery{Type: c.Type})
	if err != nil {
		return err
	}
	for _, t := range tallies {
		fmt.Fprintf(out, "satisfaction with %s: mean %.1f of %d, answers %d, resolved %d\n", t.Type, t.Mean(), adapters.MaxRating, t.Count, t.Resolved)
	}
	return nil
}

// surveyToken finds the survey link in a delivered text and returns its
// token, as the survey page reads it from the link's "t".
func surveyToken(text string) (string, error) {
	i := strings.Index(text, surveyURL+"?")
	if i < 0 {
		return "", errors.New("no survey link was delivered")
	}
	link, _, _ := strings.Cut(text[i:], "\n")
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return "", fmt.Errorf("survey link: %w", err)
	}
	return u.Query().Get("t"), nil
}
