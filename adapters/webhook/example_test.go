package webhook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/civickit/civickit/adapters/webhook"
)

// A sender signs a body with the message's id and the time; the receiver
// checks the headers against the same secret and its own clock.
func ExampleVerifier_Verify() {
	secret, _ := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	sentAt := time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)

	h := http.Header{}
	h.Set(webhook.HeaderID, "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(sentAt.Unix(), 10))
	h.Set(webhook.HeaderSignature, webhook.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", sentAt, body))
	fmt.Println(h.Get(webhook.HeaderSignature))

	v, _ := webhook.NewVerifier(secret.Text())
	v.Now = func() time.Time { return sentAt.Add(30 * time.Second) } // received half a minute later
	fmt.Println(v.Verify(h, body))
	fmt.Println(v.Verify(h, []byte(`{"test": 1}`)))
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
	// <nil>
	// webhook: no matching signature
}

// A receiving system wraps its handler: only verified requests reach it,
// with the body ready to decode.
func ExampleVerifier_Middleware() {
	v, err := webhook.NewVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /civickit", v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev webhook.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		// Drop r.Header.Get(webhook.HeaderID) if already processed, then
		// handle ev.Data.
		w.WriteHeader(http.StatusNoContent)
	})))
	_ = http.ListenAndServeTLS(":8443", "cert.pem", "key.pem", mux)
}

// A city system that receives residents' messages by webhook gets a
// secret once; the channel signs with it.
func ExampleNew() {
	secret := webhook.NewSecret() // store secret.Text() in both systems' configuration
	ch, err := webhook.New(&webhook.Config{Secrets: []string{secret.Text()}})
	if err != nil {
		panic(err)
	}
	fmt.Println(ch.Name())
	// Output: webhook
}
