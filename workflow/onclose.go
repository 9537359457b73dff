package workflow

import (
	"fmt"

	"github.com/civickit/civickit/adapters"
)

// closeMessages asks EngineConfig.OnClose for the messages of a change
// that closes the case, and fills in what they leave empty: the case, a
// message id and idempotency key "<case>/<version>/<n>" numbered after the
// entry notifications (the same when a request is retried), the time and
// the engine's locale.
func (e *Engine) closeMessages(msgs []adapters.Message, fc *Change, version int64) ([]adapters.Message, error) {
	out, err := onClose(e.cfg.OnClose, fc)
	if err != nil {
		return msgs, err
	}
	for _, m := range out {
		if m.CaseID == "" {
			m.CaseID = fc.Case.ID
		}
		if m.ID == "" {
			m.ID = fc.Case.ID + "/" + itoa(version) + "/" + itoa(int64(len(msgs)))
		}
		if m.IdempotencyKey == "" {
			m.IdempotencyKey = m.ID
		}
		if m.CreatedAt.IsZero() {
			m.CreatedAt = fc.Case.ClosedAt
		}
		if m.Locale == "" {
			m.Locale = e.cfg.Locale
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

func onClose(fn func(*Change) []adapters.Message, ch *Change) (msgs []adapters.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("workflow: on-close hook: %w: %v", ErrPanic, r)
		}
	}()
	return fn(ch), nil
}
