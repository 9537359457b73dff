package devchannel_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/adaptertest"
	"github.com/civickit/civickit/adapters/devchannel"
)

func TestMailboxConformance(t *testing.T) {
	adaptertest.RunChannelTests(t, func(t *testing.T) adapters.Channel {
		return devchannel.NewMailbox().Channel("email")
	}, adaptertest.ChannelFeatures{
		Dedupes: true,
		Deliveries: func(t *testing.T, ch adapters.Channel) int {
			return len(ch.(*devchannel.MailboxChannel).Mailbox().Messages(ch.Name()))
		},
		Fail: func(t *testing.T, ch adapters.Channel, permanent bool) func() {
			err := errors.New("503 try later")
			if permanent {
				err = adapters.Permanent("550", errors.New("no such user"))
			}
			box := ch.(*devchannel.MailboxChannel).Mailbox()
			box.Refuse(ch.Name(), err)
			return func() { box.Refuse(ch.Name(), nil) }
		},
	})
}

func TestLogChannelConformance(t *testing.T) {
	adaptertest.RunChannelTests(t, func(t *testing.T) adapters.Channel {
		return devchannel.NewLogChannel("email", slog.New(slog.DiscardHandler))
	}, adaptertest.ChannelFeatures{})
}

func TestMailboxKeepsMessagesPerChannelAndDedupesPerChannel(t *testing.T) {
	t.Parallel()
	box := devchannel.NewMailbox()
	ctx := context.Background()
	m := adapters.Outgoing{MessageID: "m1", IdempotencyKey: "k1", To: "a@example.org", Text: "hi"}
	first, err := box.Channel("email").Send(ctx, m)
	require.NoError(t, err)
	again, err := box.Channel("email").Send(ctx, m)
	require.NoError(t, err)
	assert.Equal(t, first, again, "a repeated key answers as the first send did")
	assert.True(t, first.Delivered, "a mailbox knows its messages arrived")
	_, err = box.Channel("sms").Send(ctx, m)
	require.NoError(t, err)
	assert.Len(t, box.Messages("email"), 1)
	assert.Len(t, box.Messages("sms"), 1, "the same key on another channel is another delivery")
	assert.Equal(t, 2, box.Len())

	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		assert.NoError(t, box.Wait(wctx, 3), "Wait returns once enough messages arrived")
	}()
	_, err = box.Channel("letter").Send(ctx, adapters.Outgoing{MessageID: "m2", IdempotencyKey: "k2"})
	require.NoError(t, err)
	wg.Wait()
	short, cancel2 := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel2()
	assert.ErrorIs(t, box.Wait(short, 10), context.DeadlineExceeded)
}

func TestLogChannelLogsNoAddressOrBody(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	ch := devchannel.NewLogChannel("sms", slog.New(slog.NewTextHandler(&buf, nil)))
	sent, err := ch.Send(context.Background(), adapters.Outgoing{MessageID: "m1", CaseID: "c1", To: "+15551234567", Text: "secret body"})
	require.NoError(t, err)
	assert.Equal(t, "log-m1", sent.ProviderID)
	out := buf.String()
	assert.Contains(t, out, "message=m1")
	assert.Contains(t, out, "text_len=11")
	assert.NotContains(t, out, "+15551234567", "no address in logs")
	assert.NotContains(t, out, "secret", "no body in logs")
}
