package letter

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
)

// Paper is the sheet a letter is printed on.
type Paper int

// The papers a letter can be printed on.
const (
	// Letter is US Letter, 8 1/2 × 11 inches (215.9 × 279.4 mm), the
	// default.
	Letter Paper = iota
	// A4 is ISO A4, 210 × 297 mm.
	A4
)

// String names the paper as fpdf does.
func (p Paper) String() string {
	switch p {
	case Letter:
		return "Letter"
	case A4:
		return "A4"
	}
	return fmt.Sprintf("Paper(%d)", int(p))
}

// size returns the page's width and height in millimetres.
func (p Paper) size() (w, h float64) {
	if p == A4 {
		return 210, 297
	}
	return 215.9, 279.4
}

// Envelope says where a window envelope shows the recipient's address:
// the rectangle the address lines are printed in, in millimetres from the
// top-left corner of the page.
type Envelope struct {
	// Name names the envelope in error messages ("US #10").
	Name string
	// Left and Top place the window's top-left corner; Width and Height
	// are its size.
	Left, Top, Width, Height float64
}

// The window envelopes the package knows; the package doc tells where
// their numbers come from.
var (
	// EnvelopeUS10 is a US No. 10 standard window envelope, for Letter
	// paper folded in thirds.
	EnvelopeUS10 = Envelope{Name: "US #10", Left: 22.225, Top: 50.8, Width: 114.3, Height: 28.575}
	// EnvelopeDL is a DL window envelope over the DIN 5008 form B
	// address zone, for A4 paper.
	EnvelopeDL = Envelope{Name: "DL (DIN 5008 form B)", Left: 20, Top: 62.7, Width: 85, Height: 27.3}
)

// Bounds on a message and on the configuration.
const (
	// MaxAddressLines is the most lines a recipient's address may have.
	MaxAddressLines = 6
	// MaxAddressLine is the most characters in one address line (it
	// must also fit the window's width).
	MaxAddressLine = 60
	// MaxReturnLines is the most lines of Config.ReturnAddress.
	MaxReturnLines = 5
	// MaxSubject is the most characters in a subject.
	MaxSubject = 200
	// MaxCaseID is the most characters in a case id on the reference
	// line.
	MaxCaseID = 128
	// MaxBody is the most bytes in a message's text.
	MaxBody = 64 << 10
	// DefaultMaxPages is Config.MaxPages when it is zero.
	DefaultMaxPages = 6
	// MaxMaxPages is the largest Config.MaxPages allowed.
	MaxMaxPages = 50
)

// Config configures a Channel.
type Config struct {
	// Printer prints and mails the letters; required.
	Printer Printer
	// SenderName and SenderDepartment head the return address ("City of
	// Springfield", "Public Works"); either may be empty.
	SenderName, SenderDepartment string
	// ReturnAddress is the sender's postal address, one line per
	// element; required, at most MaxReturnLines lines.
	ReturnAddress []string
	// Paper is the sheet; the zero value is Letter.
	Paper Paper
	// Envelope is the window envelope; the zero value means EnvelopeUS10
	// on Letter paper and EnvelopeDL on A4.
	Envelope Envelope
	// Now is the clock that dates letters; nil means time.Now.
	Now func() time.Time
	// TimeZone is where the letter's date is told; nil means UTC.
	TimeZone *time.Location
	// MaxPages bounds a letter's length; a longer one is refused. Zero
	// means DefaultMaxPages; at most MaxMaxPages.
	MaxPages int
}

// Validate reports every problem of the configuration at once, each
// wrapping adapters.ErrInvalidArgument.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("letter: config: "+format+": %w", append(args, adapters.ErrInvalidArgument)...))
	}
	if c.Printer == nil {
		bad("no Printer")
	}
	if c.Paper != Letter && c.Paper != A4 {
		bad("unknown paper %v", c.Paper)
	}
	if len(c.ReturnAddress) == 0 {
		bad("no ReturnAddress")
	}
	if len(c.ReturnAddress) > MaxReturnLines {
		bad("ReturnAddress has %d lines, at most %d", len(c.ReturnAddress), MaxReturnLines)
	}
	for i, l := range append([]string{c.SenderName, c.SenderDepartment}, c.ReturnAddress...) {
		if n := utf8.RuneCountInString(l); n > MaxAddressLine {
			bad("return address line %d has %d characters, at most %d", i+1, n, MaxAddressLine)
		}
	}
	if c.MaxPages < 0 || c.MaxPages > MaxMaxPages {
		bad("MaxPages %d is not between 0 and %d", c.MaxPages, MaxMaxPages)
	}
	env := c.envelope()
	pw, ph := c.Paper.size()
	switch {
	case env.Left < minMargin || env.Top < minMargin || env.Width < minWindowWidth ||
		env.Height < windowPad+MaxAddressLines*addressLeading:
		bad("envelope %q: a window %.1f × %.1f mm at (%.1f, %.1f) cannot hold %d address lines (at least %.0f × %.1f mm, %.0f mm from the edges)",
			env.Name, env.Width, env.Height, env.Left, env.Top, MaxAddressLines, float64(minWindowWidth), windowPad+MaxAddressLines*addressLeading, float64(minMargin))
	case env.Left+env.Width > pw-minMargin || env.Top+env.Height > ph/2:
		bad("envelope %q: the window does not fit in the top half of %v paper", env.Name, c.Paper)
	}
	lines := len(c.ReturnAddress)
	if c.SenderName != "" {
		lines++
	}
	if c.SenderDepartment != "" {
		lines++
	}
	if returnTop+float64(lines)*returnLeading > env.Top-windowPad {
		bad("the return address's %d lines do not fit above the envelope window", lines)
	}
	return errors.Join(errs...)
}

func (c Config) envelope() Envelope {
	if c.Envelope != (Envelope{}) {
		return c.Envelope
	}
	if c.Paper == A4 {
		return EnvelopeDL
	}
	return EnvelopeUS10
}

// Channel sends messages as paper letters. It implements
// adapters.Channel under the name "letter".
type Channel struct {
	cfg      Config
	env      Envelope
	now      func() time.Time
	tz       *time.Location
	maxPages int
	sender   []string // the return address block, cleaned
}

var _ adapters.Channel = (*Channel)(nil)

// New returns a channel for cfg, or the errors of cfg.Validate.
func New(cfg Config) (*Channel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Channel{cfg: cfg, env: cfg.envelope(), now: cfg.Now, tz: cfg.TimeZone, maxPages: cfg.MaxPages}
	if c.now == nil {
		c.now = time.Now
	}
	if c.tz == nil {
		c.tz = time.UTC
	}
	if c.maxPages == 0 {
		c.maxPages = DefaultMaxPages
	}
	for _, l := range append([]string{cfg.SenderName, cfg.SenderDepartment}, cfg.ReturnAddress...) {
		if l = oneLine(l); l != "" {
			c.sender = append(c.sender, l)
		}
	}
	return c, nil
}

// Name implements adapters.Channel: it is adapters.ChannelLetter.
func (c *Channel) Name() string { return adapters.ChannelLetter }

// Send implements adapters.Channel: it lays m out as a letter dated now
// and prints it with the configured Printer, passing m's idempotency key.
// Sent.ProviderID is the printer's id for the job.
func (c *Channel) Send(ctx context.Context, m adapters.Outgoing) (adapters.Sent, error) {
	if err := ctx.Err(); err != nil {
		return adapters.Sent{}, fmt.Errorf("letter: send message %s: %w", short(m.MessageID), err)
	}
	doc, err := c.render(m, c.now())
	if err != nil {
		return adapters.Sent{}, err
	}
	if err := ctx.Err(); err != nil {
		return adapters.Sent{}, fmt.Errorf("letter: send message %s: %w", short(m.MessageID), err)
	}
	id, err := c.cfg.Printer.Print(ctx, Job{
		PDF: doc.pdf, Address: doc.address, Pages: doc.pages,
		IdempotencyKey: m.IdempotencyKey, MessageID: m.MessageID, CaseID: m.CaseID,
	})
	if err != nil {
		return adapters.Sent{}, fmt.Errorf("letter: print message %s: %w", short(m.MessageID), err)
	}
	return adapters.Sent{ProviderID: id}, nil
}
