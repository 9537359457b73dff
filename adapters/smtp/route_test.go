package smtp

import (
	"strings"
	"testing"
)

func TestRoutingRoundTrips(t *testing.T) {
	r := Routing{ReplyTo: "replies@city.example", Secret: []byte("0123456789abcdef")}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	addr := r.ReplyAddress("C-2026_17")
	if !strings.HasPrefix(addr, "replies+C-2026_17.") || !strings.HasSuffix(addr, "@city.example") {
		t.Fatalf("reply address %q", addr)
	}
	if id, ok := r.CaseFromAddress(strings.ToUpper(addr[:7]) + addr[7:]); !ok || id != "C-2026_17" {
		t.Fatalf("the address routes back: %q %v", id, ok)
	}
	if _, ok := r.CaseFromAddress(strings.Replace(addr, "C-2026_17", "C-2026_18", 1)); ok {
		t.Fatal("a guessed case id does not route")
	}
	other := Routing{ReplyTo: r.ReplyTo, Secret: []byte("fedcba9876543210")}
	if _, ok := other.CaseFromAddress(addr); ok {
		t.Fatal("another secret does not route")
	}
	subj := "Re: Your report " + r.SubjectReference("C-2026_17")
	if id, ok := r.CaseFromSubject(subj); !ok || id != "C-2026_17" {
		t.Fatalf("the subject routes back: %q %v", id, ok)
	}
	if _, ok := r.CaseFromSubject("Re: [#C-1.aaaaaaaaaa]"); ok {
		t.Fatal("a forged subject reference does not route")
	}
	if r.ReplyAddress("has space") != r.ReplyTo || r.SubjectReference("") != "" {
		t.Fatal("an id a reference cannot carry gets the plain mailbox and no reference")
	}
	if again := (Routing{ReplyTo: r.ReplyTo, Secret: r.Secret}); r.MessageID("k1") != again.MessageID("k1") || r.MessageID("k1") == r.MessageID("k2") {
		t.Fatal("one key gives one Message-ID, two keys two")
	}
	if err := (Routing{ReplyTo: "Bo <b+x@c.d>", Secret: []byte("short")}).Validate(); err == nil {
		t.Fatal("a named or sub-addressed mailbox and a short secret are refused")
	}
}
