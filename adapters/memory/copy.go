package memory

import (
	"slices"

	"github.com/civickit/civickit/adapters"
)

// The norm functions bring a record into stored form (UTC microsecond
// times, private copies of JSON); the copy functions hand callers copies
// they may change freely.

func normCase(c adapters.Case) adapters.Case {
	c.Due = adapters.StoredTime(c.Due)
	c.CreatedAt = adapters.StoredTime(c.CreatedAt)
	c.UpdatedAt = adapters.StoredTime(c.UpdatedAt)
	c.ClosedAt = adapters.StoredTime(c.ClosedAt)
	c.Data = cloneJSON(c.Data)
	return c
}

func normSubmission(s adapters.Submission) adapters.Submission {
	s.SubmittedAt = adapters.StoredTime(s.SubmittedAt)
	s.Data = cloneJSON(s.Data)
	s.Files = slices.Clone(s.Files)
	return s
}

func copySubmission(s adapters.Submission) adapters.Submission {
	s.Data = cloneJSON(s.Data)
	s.Files = slices.Clone(s.Files)
	return s
}

func normEvent(e adapters.Event) adapters.Event {
	e.At = adapters.StoredTime(e.At)
	e.Payload = cloneJSON(e.Payload)
	return e
}

func normMessage(m adapters.Message) adapters.Message {
	m.NextAttemptAt = adapters.StoredTime(m.NextAttemptAt)
	m.CreatedAt = adapters.StoredTime(m.CreatedAt)
	m.SentAt = adapters.StoredTime(m.SentAt)
	m.LeaseExpiresAt = adapters.StoredTime(m.LeaseExpiresAt)
	m.Data = cloneJSON(m.Data)
	return m
}

func normDraft(d adapters.Draft) adapters.Draft {
	d.CreatedAt = adapters.StoredTime(d.CreatedAt)
	d.UpdatedAt = adapters.StoredTime(d.UpdatedAt)
	d.ExpiresAt = adapters.StoredTime(d.ExpiresAt)
	d.Data = cloneJSON(d.Data)
	return d
}

func copyCase(c *adapters.Case) adapters.Case {
	out := *c
	out.Data = cloneJSON(c.Data)
	return out
}

func copyEvent(e adapters.Event) adapters.Event {
	e.Payload = cloneJSON(e.Payload)
	return e
}

func copyMessage(m *adapters.Message) adapters.Message {
	out := *m
	out.Data = cloneJSON(m.Data)
	return out
}

func copyResult(r adapters.TransitionResult) adapters.TransitionResult {
	out := adapters.TransitionResult{Case: copyCase(&r.Case), Events: make([]adapters.Event, len(r.Events)), Replayed: r.Replayed}
	for i, e := range r.Events {
		out.Events[i] = copyEvent(e)
	}
	return out
}
