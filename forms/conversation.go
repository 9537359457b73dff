package forms

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/unicode/norm"
)

// DefaultChannel is the channel a Conversation runs on when its config
// names none.
const DefaultChannel = "sms"

// DefaultMaxAnswerBytes bounds one incoming message of a Conversation
// when its config gives no bound: ten SMS segments of 160 characters.
const DefaultMaxAnswerBytes = 1600

// maxAnswerBytesLimit is the largest MaxAnswerBytes a config may set.
const maxAnswerBytesLimit = 64 << 10

// hintBytes bounds the part of a field's description a question quotes.
const hintBytes = 160

// ConversationConfig tunes a conversation; nil means defaults.
type ConversationConfig struct {
	// Channel is the channel's name, DefaultChannel ("sms") when empty:
	// lower-case letters, digits and dashes, at most 32. A field marked
	// x-pii is asked only when its x-channels (see Field.Channels) lists
	// the channel; otherwise it is left out when optional, and when it is
	// required the form cannot run on the channel.
	Channel string
	// MaxAnswerBytes bounds one incoming message, DefaultMaxAnswerBytes
	// (1,600) when 0; at most 65,536. A longer message is refused.
	MaxAnswerBytes int
}

var channelName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// Validate reports every problem of the config, joined.
func (c *ConversationConfig) Validate() error {
	var errs []error
	if c.Channel != "" && !channelName.MatchString(c.Channel) {
		errs = append(errs, fmt.Errorf("forms: conversation channel %q: want lower-case letters, digits and dashes, at most 32: %w",
			clip(c.Channel), adapters.ErrInvalidArgument))
	}
	if c.MaxAnswerBytes < 0 || c.MaxAnswerBytes > maxAnswerBytesLimit {
		errs = append(errs, fmt.Errorf("forms: conversation MaxAnswerBytes %d: want 0 (default) to %d: %w",
			c.MaxAnswerBytes, maxAnswerBytesLimit, adapters.ErrInvalidArgument))
	}
	return errors.Join(errs...)
}

// Conversation runs one form as a text-message conversation: one
// question per message, each answer checked by the form's own rules, a
// summary to confirm at the end. It is immutable and safe for concurrent
// use; what changes between messages is the ChatState, which the caller
// stores. See Text-message conversations in the package documentation.
type Conversation struct {
	form      *Form
	channel   string
	maxAnswer int
	questions []*question
	index     map[string]int // question by field path
	left      []*Field       // fields not asked on the channel
}

// ChatState is what a conversation keeps between messages: small, and
// JSON-serialisable for the caller's store. Everything else is
// recomputed from the form and the values.
type ChatState struct {
	// Locale is the language the conversation is held in, "en" or "es".
	Locale string `json:"locale"`
	// Values are the answers so far, typed as the schema says (numbers
	// as json.Number; after a JSON round trip float64 serves too).
	Values map[string]any `json:"values"`
	// At is the dotted path of the question being asked; empty when
	// Confirming or Done.
	At string `json:"at,omitempty"`
	// Confirming is set while the summary waits for YES.
	Confirming bool `json:"confirming,omitempty"`
	// Done is set once the answers are submitted or the person stopped.
	Done bool `json:"done,omitempty"`
}

// Turn is the reply to one incoming message.
type Turn struct {
	// Text is the message to send: localized plain text.
	Text string
	// Submit reports that the person confirmed the summary: the state's
	// values are complete and valid (Values returns them).
	Submit bool
	// Stop reports that the person sent STOP or another stop word: end
	// the conversation and record the opt-out.
	Stop bool
	// Invalid reports that the answer was refused; Text holds the
	// reason and the question again.
	Invalid bool
}

type answerKind int

const (
	kindText    answerKind = iota
	kindChoice             // one of the options
	kindChoices            // several of the options
	kindBool               // yes or no
	kindNumber             // a number or integer
	kindDate               // format "date"
	kindList               // a list of free values
)

// question is one field a conversation asks.
type question struct {
	fl    *Field
	chain []*Field // the enclosing objects from the top, then fl
	kind  answerKind
}

// NewConversation prepares f to run as a conversation on the channel of
// cfg. It refuses, naming every field and reason at once (wrapping
// adapters.ErrInvalidArgument), a form with a field that is or may be
// required but cannot be asked by text: a file field, a repeating group,
// a hidden field, a list of lists, or personal data (x-pii) whose
// x-channels does not list the channel. Such fields, when optional, are
// left out, and the first message names them.
func NewConversation(f *Form, cfg *ConversationConfig) (*Conversation, error) {
	if f == nil {
		return nil, fmt.Errorf("forms: conversation: no form: %w", adapters.ErrInvalidArgument)
	}
	var conf ConversationConfig
	if cfg != nil {
		conf = *cfg
	}
	if err := conf.Validate(); err != nil {
		return nil, err
	}
	if conf.Channel == "" {
		conf.Channel = DefaultChannel
	}
	if conf.MaxAnswerBytes == 0 {
		conf.MaxAnswerBytes = DefaultMaxAnswerBytes
	}
	c := &Conversation{form: f, channel: conf.Channel, maxAnswer: conf.MaxAnswerBytes, index: map[string]int{}}
	var errs []error
	var visit func(parent *Field, fl *Field, chain []*Field)
	visit = func(parent *Field, fl *Field, chain []*Field) {
		chain = append(slices.Clone(chain), fl)
		if fl.Type == "object" {
			for _, ch := range fl.Fields {
				visit(fl, ch, chain)
			}
			return
		}
		if why := c.unaskable(chain); why != "" {
			if mayBeRequired(parent, fl) {
				errs = append(errs, fmt.Errorf("forms: %s cannot run over %s: field %q is required but %s: %w",
					f.id, c.channel, fl.Path, why, adapters.ErrInvalidArgument))
			} else {
				c.left = append(c.left, fl)
			}
			return
		}
		c.index[fl.Path] = len(c.questions)
		c.questions = append(c.questions, &question{fl: fl, chain: chain, kind: kindOf(fl)})
	}
	for _, st := range f.steps {
		for _, fl := range st.Fields {
			visit(f.root, fl, nil)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// unaskable says why the last field of chain cannot be asked on the
// channel; empty when it can.
func (c *Conversation) unaskable(chain []*Field) string {
	fl := chain[len(chain)-1]
	switch {
	case fl.Widget == "file":
		return "takes files, which a text message cannot carry"
	case fl.Widget == "group":
		return "is a repeating group, which a text conversation does not ask"
	case fl.Widget == "hidden":
		return "is hidden: the page fills it in, not the person"
	case fl.Type == "array" && (fl.ItemType == "array" || fl.ItemType == "object"):
		return "is a list of lists, which a text conversation does not ask"
	}
	for _, a := range chain {
		if a.PII != "" && !slices.Contains(fl.Channels, c.channel) {
			return fmt.Sprintf("is personal data (x-pii %q) that its x-channels does not allow over %q", a.PII, c.channel)
		}
	}
	return ""
}

// mayBeRequired reports whether a field can ever be required: always,
// in a branch that shows it, or by its object's dependentRequired.
func mayBeRequired(parent, fl *Field) bool {
	if fl.Required || slices.ContainsFunc(fl.conds, func(c condition) bool { return c.requires }) {
		return true
	}
	if parent != nil && parent.schema != nil {
		for _, names := range deref(parent.schema).DependentRequired {
			if slices.Contains(names, fl.Name) {
				return true
			}
		}
	}
	return false
}

func kindOf(fl *Field) answerKind {
	switch {
	case fl.Type == "boolean":
		return kindBool
	case fl.Type == "array" && len(fl.Options) > 0:
		return kindChoices
	case fl.Type == "array":
		return kindList
	case len(fl.Options) > 0:
		return kindChoice
	case fl.Type == "number" || fl.Type == "integer":
		return kindNumber
	case fl.Format == "date":
		return kindDate
	}
	return kindText
}

// Form returns the form the conversation runs.
func (c *Conversation) Form() *Form { return c.form }

// Channel returns the channel the conversation runs on.
func (c *Conversation) Channel() string { return c.channel }

// NotAsked returns the fields the conversation leaves out on its
// channel (optional files, groups, hidden fields and personal data the
// channel may not carry), in form order.
func (c *Conversation) NotAsked() []*Field { return slices.Clone(c.left) }

// lang resolves a locale to a built-in language the form has texts in,
// English when there is none.
func (c *Conversation) lang(locale string) *lang { return onlyIn(shownLang(c.form, resolve(locale))) }

// Start opens a conversation in the locale (an Accept-Language string or
// a tag; resolved to English or Spanish as the form has texts in them,
// else English): the form's title, the fields left out, and the first
// question.
func (c *Conversation) Start(locale string) (ChatState, Turn) {
	l := c.lang(locale)
	st := ChatState{Locale: l.tag, Values: map[string]any{}}
	t := chatTextsFor(l)
	var b strings.Builder
	b.WriteString(c.form.titleIn(l))
	if len(c.left) > 0 {
		names := make([]string, len(c.left))
		for i, fl := range c.left {
			names[i] = fl.labelIn(l)
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, t.notAsked, strings.Join(names, ", "))
	}
	b.WriteString("\n")
	b.WriteString(t.intro)
	b.WriteString("\n\n")
	b.WriteString(c.moveTo(&st, c.next(-1, st.Values), l))
	return st, Turn{Text: b.String()}
}

// Resume greets the person back after a quiet period and repeats where
// the conversation is: the current question, the summary, or that it is
// over.
func (c *Conversation) Resume(s ChatState) Turn {
	st, l, _ := c.load(s)
	t := chatTextsFor(l)
	if st.Done {
		return Turn{Text: t.done}
	}
	return Turn{Text: fmt.Sprintf(t.welcomeBack, c.form.titleIn(l)) + "\n\n" + c.prompt(&st, l)}
}

// Received is the message that closes a submitted conversation: thanks,
// in the conversation's language, with the reference the submission got
// (a case id) for the person to quote.
func (c *Conversation) Received(s ChatState, reference string) string {
	_, l, _ := c.load(s)
	return fmt.Sprintf(chatTextsFor(l).received, reference)
}

// Values returns the final values, validated by the form as a web
// submission is (ValidateValue): the clean values, or a
// *ValidationError with messages in the conversation's language.
func (c *Conversation) Values(s ChatState) (map[string]any, error) {
	st, l, err := c.load(s)
	if err != nil {
		return nil, err
	}
	return c.form.validate(st.Values, l, -1)
}

// Step takes one incoming message and returns the new state and the
// reply. Commands (any case, accents optional, in English or Spanish)
// come before answers: STOP (ALTO, PARAR, CANCEL, CANCELAR, END, QUIT,
// UNSUBSCRIBE), RESTART (REINICIAR), HELP (AYUDA), BACK (ATRÁS), SKIP
// (OMITIR), and YES (SÍ) while confirming.
func (c *Conversation) Step(s ChatState, answer string) (ChatState, Turn) {
	st, l, _ := c.load(s)
	t := chatTextsFor(l)
	if len(answer) > c.maxAnswer {
		return st, Turn{Text: fmt.Sprintf(t.tooLong, c.maxAnswer) + "\n\n" + c.prompt(&st, l), Invalid: true}
	}
	if !utf8.ValidString(answer) {
		return st, Turn{Text: t.unreadable + "\n\n" + c.prompt(&st, l), Invalid: true}
	}
	cmd := command(answer)
	switch {
	case cmd == cmdStop:
		st.At, st.Confirming, st.Done = "", false, true
		return st, Turn{Text: t.stopped, Stop: true}
	case cmd == cmdRestart || !st.Done && !st.Confirming && st.At == "" && len(st.Values) == 0:
		return c.Start(st.Locale)
	case st.Done:
		return st, Turn{Text: t.done}
	case cmd == cmdHelp:
		return st, Turn{Text: c.help(&st, l)}
	case st.Confirming:
		return c.confirm(st, cmd, answer, l)
	}
	i := c.current(&st)
	if i < 0 {
		return st, Turn{Text: c.prompt(&st, l)}
	}
	q := c.questions[i]
	switch cmd {
	case cmdBack:
		p := c.prev(i, st.Values)
		if p < 0 {
			return st, Turn{Text: t.first + "\n\n" + c.ask(&st, q, l)}
		}
		c.unset(st.Values, c.questions[p])
		return st, Turn{Text: c.moveTo(&st, p, l)}
	case cmdSkip:
		if c.requiredNow(q, st.Values) {
			return st, Turn{Text: l.fieldMessage(q.fl, "required", nil) + "\n\n" + c.ask(&st, q, l), Invalid: true}
		}
		c.unset(st.Values, q)
		keepRequired(st.Values, q)
		return st, Turn{Text: c.advance(&st, i, l)}
	}
	v, ok := parseAnswer(q, answer, l)
	if !ok {
		return st, Turn{Text: l.fieldMessage(q.fl, "required", nil) + "\n\n" + c.ask(&st, q, l), Invalid: true}
	}
	old, had := get(st.Values, q)
	set(st.Values, q, v)
	if msg := c.check(st.Values, q, l); msg != "" {
		if had {
			set(st.Values, q, old)
		} else {
			c.unset(st.Values, q)
		}
		return st, Turn{Text: msg + "\n\n" + c.ask(&st, q, l), Invalid: true}
	}
	return st, Turn{Text: c.advance(&st, i, l)}
}

// confirm answers a message to the summary.
func (c *Conversation) confirm(st ChatState, cmd int, answer string, l *lang) (ChatState, Turn) {
	t := chatTextsFor(l)
	switch {
	case cmd == cmdBack:
		p := c.prev(len(c.questions), st.Values)
		if p < 0 {
			return st, Turn{Text: t.first + "\n\n" + c.prompt(&st, l)}
		}
		c.unset(st.Values, c.questions[p])
		return st, Turn{Text: c.moveTo(&st, p, l)}
	case !yesWords[Fold(answer)]:
		return st, Turn{Text: t.confirmAgain, Invalid: true}
	}
	_, err := c.Values(st)
	if err == nil {
		st.Confirming, st.Done = false, true
		return st, Turn{Text: t.submitted, Submit: true}
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) == 0 {
		return st, Turn{Text: t.webOnly, Invalid: true}
	}
	fe := ve.Errors[0]
	for i, q := range c.questions {
		if (q.fl.Path == fe.Field || strings.HasPrefix(q.fl.Path, fe.Field+".")) && applicable(q, st.Values) {
			if _, has := get(st.Values, q); has && q.fl.Path == fe.Field {
				c.unset(st.Values, q)
			}
			return st, Turn{Text: fe.Message + "\n\n" + c.moveTo(&st, i, l), Invalid: true}
		}
	}
	return st, Turn{Text: fe.Message + "\n" + t.webOnly, Invalid: true}
}

// load makes a working copy of a stored state: its locale resolved, its
// values copied into the JSON data model (bounded as a submission is).
// A state whose values do not load starts over with none, and the error
// says why.
func (c *Conversation) load(s ChatState) (ChatState, *lang, error) {
	l := c.lang(s.Locale)
	st := ChatState{Locale: l.tag, At: s.At, Confirming: s.Confirming, Done: s.Done, Values: map[string]any{}}
	if len(st.At) > 1024 {
		st.At = ""
	}
	if s.Values == nil {
		return st, l, nil
	}
	v, err := c.form.normalize(s.Values)
	if err != nil {
		return st, l, c.form.inputFailure(err, l)
	}
	if m, ok := v.(map[string]any); ok {
		st.Values = m
	}
	return st, l, nil
}

// current returns the index of the question being asked, moving a state
// whose At names no question the conversation asks (the form or the
// channel changed) to the first question still unanswered; -1 when that
// leads to the summary.
func (c *Conversation) current(st *ChatState) int {
	if i, ok := c.index[st.At]; ok && applicable(c.questions[i], st.Values) {
		return i
	}
	for i, q := range c.questions {
		if _, has := get(st.Values, q); !has && applicable(q, st.Values) {
			st.At = q.fl.Path
			return i
		}
	}
	st.At, st.Confirming = "", true
	return -1
}

// next returns the first question after i that applies; -1 when none.
func (c *Conversation) next(i int, vals map[string]any) int {
	for j := i + 1; j < len(c.questions); j++ {
		if applicable(c.questions[j], vals) {
			return j
		}
	}
	return -1
}

// prev returns the last question before i that applies; -1 when none.
func (c *Conversation) prev(i int, vals map[string]any) int {
	for j := min(i, len(c.questions)) - 1; j >= 0; j-- {
		if applicable(c.questions[j], vals) {
			return j
		}
	}
	return -1
}

// advance drops the answers the values now hide and moves past question
// i, to the next question not yet answered or the summary. (Questions
// after i hold answers only when a failed YES led back to i.)
func (c *Conversation) advance(st *ChatState, i int, l *lang) string {
	for _, q := range c.questions {
		if !applicable(q, st.Values) {
			c.unset(st.Values, q)
		}
	}
	j := c.next(i, st.Values)
	for j >= 0 {
		if _, has := get(st.Values, c.questions[j]); !has {
			break
		}
		j = c.next(j, st.Values)
	}
	return c.moveTo(st, j, l)
}

// moveTo sets the state at question i (the summary when i < 0) and
// returns its text.
func (c *Conversation) moveTo(st *ChatState, i int, l *lang) string {
	if i < 0 {
		st.At, st.Confirming = "", true
		return c.summary(st, l)
	}
	st.At, st.Confirming = c.questions[i].fl.Path, false
	return c.ask(st, c.questions[i], l)
}

// prompt repeats what the state waits for.
func (c *Conversation) prompt(st *ChatState, l *lang) string {
	if st.Done {
		return chatTextsFor(l).done
	}
	if st.Confirming {
		return c.summary(st, l)
	}
	i := c.current(st)
	if i < 0 {
		return c.summary(st, l)
	}
	return c.ask(st, c.questions[i], l)
}

// applicable reports whether the question shows given the values so
// far: each field on its path visible in its object, by the form's own
// conditions.
func applicable(q *question, vals map[string]any) bool {
	obj := vals
	for _, fl := range q.chain {
		if len(fl.conds) > 0 {
			var cache []verdict
			if !visible(fl, obj, &cache) {
				return false
			}
		}
		next, ok := obj[fl.Name].(map[string]any)
		if !ok {
			next = map[string]any{}
		}
		obj = next
	}
	return true
}

// problems validates a copy of vals as the form does and returns the
// problems of fl and of the values inside it.
func (c *Conversation) problems(vals map[string]any, fl *Field) []problem {
	f := c.form
	cp := deepCopy(vals).(map[string]any)
	probs := f.prune(f.root, cp, nil, nil)
	if err := f.schema.Validate(cp); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			probs = collect(ve, probs)
		}
	}
	return slices.DeleteFunc(probs, func(p problem) bool {
		ptr := pointerOf(p.toks)
		return ptr != fl.Pointer && !strings.HasPrefix(ptr, fl.Pointer+"/")
	})
}

// check returns the form's message for the answer to q in vals; empty
// when the form accepts it.
func (c *Conversation) check(vals map[string]any, q *question, l *lang) string {
	probs := c.problems(vals, q.fl)
	if len(probs) == 0 {
		return ""
	}
	errs := c.form.fieldErrors(probs, l, -1)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].Message
}

// requiredNow reports whether the form requires an answer to q given
// the other values: a field of an object that may be left out whole is
// not required while nothing else of the object is answered.
func (c *Conversation) requiredNow(q *question, vals map[string]any) bool {
	cp := deepCopy(vals).(map[string]any)
	obj := cp
	for _, a := range q.chain[:len(q.chain)-1] {
		child, ok := obj[a.Name].(map[string]any)
		if !ok {
			if !a.Required {
				return false
			}
			child = map[string]any{}
			obj[a.Name] = child
		}
		obj = child
	}
	delete(obj, q.fl.Name)
	return slices.ContainsFunc(c.problems(cp, q.fl), func(p problem) bool { return p.code == "required" })
}

// get returns the value of q in vals.
func get(vals map[string]any, q *question) (any, bool) {
	obj := vals
	for _, a := range q.chain[:len(q.chain)-1] {
		child, ok := obj[a.Name].(map[string]any)
		if !ok {
			return nil, false
		}
		obj = child
	}
	v, ok := obj[q.fl.Name]
	return v, ok
}

// set stores v as the value of q, making its objects.
func set(vals map[string]any, q *question, v any) {
	obj := vals
	for _, a := range q.chain[:len(q.chain)-1] {
		child, ok := obj[a.Name].(map[string]any)
		if !ok {
			child = map[string]any{}
			obj[a.Name] = child
		}
		obj = child
	}
	obj[q.fl.Name] = v
}

// keepRequired makes the objects around q that their object requires,
// so a required group whose every field was skipped is still there.
func keepRequired(vals map[string]any, q *question) {
	obj := vals
	for _, a := range q.chain[:len(q.chain)-1] {
		child, ok := obj[a.Name].(map[string]any)
		if !ok {
			if !a.Required {
				return
			}
			child = map[string]any{}
			obj[a.Name] = child
		}
		obj = child
	}
}

// unset removes the value of q, and the objects it leaves empty that
// their object does not require, so an optional group left out whole
// is no answer.
func (c *Conversation) unset(vals map[string]any, q *question) {
	var walk func(obj map[string]any, depth int)
	walk = func(obj map[string]any, depth int) {
		if depth == len(q.chain)-1 {
			delete(obj, q.fl.Name)
			return
		}
		name := q.chain[depth].Name
		child, ok := obj[name].(map[string]any)
		if !ok {
			return
		}
		walk(child, depth+1)
		if len(child) == 0 && !q.chain[depth].Required {
			delete(obj, name)
		}
	}
	walk(vals, 0)
}

// label is the question's label, after the labels of its groups.
func (q *question) label(l *lang) string {
	parts := make([]string, len(q.chain))
	for i, fl := range q.chain {
		parts[i] = fl.labelIn(l)
	}
	return strings.Join(parts, ": ")
}

// options returns the choices of q as shown: the field's options, or
// Yes and No for a yes-or-no question without any.
func (q *question) options(l *lang) []Option {
	if len(q.fl.Options) > 0 || q.kind != kindBool {
		return q.fl.Options
	}
	txt := pageTexts[l.msg]
	return []Option{{Value: true, Text: "true", def: txt.Yes}, {Value: false, Text: "false", def: txt.No}}
}

// ask writes question q.
func (c *Conversation) ask(st *ChatState, q *question, l *lang) string {
	t := chatTextsFor(l)
	var b strings.Builder
	b.WriteString(q.label(l))
	if h := brief(l.text(q.fl.desc, q.fl.descs)); h != "" {
		b.WriteString("\n")
		b.WriteString(h)
	}
	if q.kind == kindChoice || q.kind == kindChoices || q.kind == kindBool {
		for i, o := range q.options(l) {
			fmt.Fprintf(&b, "\n%d. %s", i+1, o.labelIn(l))
		}
	}
	if q.kind == kindChoices {
		b.WriteString("\n")
		b.WriteString(t.chooseMany)
	}
	if !c.requiredNow(q, st.Values) {
		b.WriteString("\n")
		b.WriteString(t.optional)
	}
	return b.String()
}

// help explains what the state waits for, and the commands.
func (c *Conversation) help(st *ChatState, l *lang) string {
	t := chatTextsFor(l)
	if st.Confirming {
		return t.helpConfirm
	}
	i := c.current(st)
	if i < 0 {
		return t.helpConfirm
	}
	q := c.questions[i]
	var b strings.Builder
	b.WriteString(q.label(l))
	b.WriteString("\n")
	switch q.kind {
	case kindChoice:
		b.WriteString(t.helpChoice)
	case kindChoices:
		b.WriteString(t.helpChoices)
	case kindBool:
		b.WriteString(t.helpBool)
	case kindNumber:
		b.WriteString(t.helpNumber)
	case kindDate:
		b.WriteString(t.helpDate)
	case kindList:
		b.WriteString(t.helpList)
	default:
		b.WriteString(t.helpText)
	}
	if q.fl.example != "" {
		b.WriteString(" ")
		fmt.Fprintf(&b, t.helpExample, q.fl.example)
	}
	if !c.requiredNow(q, st.Values) {
		b.WriteString("\n")
		b.WriteString(t.helpSkip)
	}
	b.WriteString("\n")
	b.WriteString(t.helpCommands)
	return b.String()
}

// summary lists the answers given, numbered, and asks for YES.
func (c *Conversation) summary(st *ChatState, l *lang) string {
	t := chatTextsFor(l)
	var b strings.Builder
	b.WriteString(t.summary)
	n := 0
	for _, q := range c.questions {
		v, ok := get(st.Values, q)
		if !ok || !applicable(q, st.Values) {
			continue
		}
		n++
		label := q.label(l)
		sep := ": "
		if strings.HasSuffix(label, "?") || strings.HasSuffix(label, ":") {
			sep = " " // "What is the problem? Pothole"
		}
		fmt.Fprintf(&b, "\n%d. %s%s%s", n, label, sep, q.show(v, l))
	}
	if n == 0 {
		b.WriteString("\n")
		b.WriteString(t.noAnswers)
	}
	b.WriteString("\n")
	b.WriteString(t.confirm)
	return b.String()
}

// show writes a value as the person would read it: choices by label.
func (q *question) show(v any, l *lang) string {
	if items, ok := v.([]any); ok {
		parts := make([]string, len(items))
		for i, e := range items {
			parts[i] = q.show(e, l)
		}
		return strings.Join(parts, ", ")
	}
	text := fmt.Sprint(v)
	for _, o := range q.options(l) {
		if o.Text == text {
			return o.labelIn(l)
		}
	}
	return text
}

// brief returns a description cut to about one SMS line.
func brief(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= hintBytes {
		return s
	}
	cut := hintBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > hintBytes/2 {
		cut = sp
	}
	return s[:cut] + "…"
}

// parseAnswer turns a message into the value of q, as a form post would
// be coerced; ok is false for a blank answer. What does not convert is
// kept as text, so the form's own rules refuse it with their message.
func parseAnswer(q *question, answer string, l *lang) (any, bool) {
	fl := q.fl
	raw := answer
	if !fl.keepSpace {
		raw = strings.TrimSpace(raw)
	}
	if strings.TrimSpace(raw) == "" {
		return nil, false
	}
	switch q.kind {
	case kindChoice:
		if v, ok := pickOption(q.options(l), raw, l); ok {
			return v, true
		}
		return scalar(fl.Type, raw)
	case kindBool:
		if len(fl.Options) > 0 {
			if v, ok := pickOption(fl.Options, raw, l); ok {
				return v, true
			}
		}
		switch w := Fold(raw); {
		case yesWords[w] || w == "1" || w == "true":
			return true, true
		case noWords[w] || w == "2" || w == "false":
			return false, true
		}
		return raw, true
	case kindChoices:
		parts := splitList(raw, true)
		items := make([]any, 0, len(parts))
		for _, p := range parts {
			if v, ok := pickOption(fl.Options, p, l); ok {
				items = append(items, v)
			} else if v, ok := scalar(fl.ItemType, p); ok {
				items = append(items, v)
			}
		}
		return items, len(items) > 0
	case kindList:
		parts := splitList(raw, false)
		items := make([]any, 0, len(parts))
		for _, p := range parts {
			if v, ok := scalar(fl.ItemType, p); ok {
				items = append(items, v)
			}
		}
		return items, len(items) > 0
	case kindNumber:
		return scalar(fl.Type, raw)
	case kindDate:
		return parseDate(raw), true
	}
	return raw, true
}

// pickOption finds the option a reply names: by its number in the list,
// its label in the conversation's language, or its value, ignoring case
// and accents.
func pickOption(opts []Option, reply string, l *lang) (any, bool) {
	w := Fold(reply)
	if n, err := strconv.Atoi(strings.TrimPrefix(w, "#")); err == nil && n >= 1 && n <= len(opts) {
		return opts[n-1].Value, true
	}
	for _, o := range opts {
		if Fold(o.labelIn(l)) == w || Fold(o.Text) == w {
			return o.Value, true
		}
	}
	return nil, false
}

// splitList splits a list reply at commas and semicolons; "1 3" is two
// numbers when numbers is set and every word is one.
func splitList(s string, numbers bool) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' })
	if numbers && len(parts) == 1 {
		words := strings.Fields(parts[0])
		if len(words) > 1 && !slices.ContainsFunc(words, func(w string) bool { _, err := strconv.Atoi(w); return err != nil }) {
			parts = words
		}
	}
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var slashDate = regexp.MustCompile(`^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$`)

// parseDate reads a date as the form takes it (2026-12-31), or written
// with the day and month the other way round around slashes, dots or
// dashes (12/31/2026, 31/12/2026) when only one reading is a date: one
// of the two numbers is over 12, or both are the same. Anything else is
// kept as sent, for the form's format rule to refuse.
func parseDate(s string) any {
	m := slashDate.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	month, day := 0, 0
	switch {
	case a == b || a <= 12 && b > 12:
		month, day = a, b
	case a > 12 && b <= 12:
		month, day = b, a
	default:
		return s
	}
	d := fmt.Sprintf("%s-%02d-%02d", m[3], month, day)
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return s
	}
	return d
}

// The commands a message may be.
const (
	cmdNone = iota
	cmdStop
	cmdRestart
	cmdHelp
	cmdBack
	cmdSkip
)

var commands = map[string]int{
	"stop": cmdStop, "stopall": cmdStop, "unsubscribe": cmdStop, "cancel": cmdStop, "end": cmdStop, "quit": cmdStop,
	"alto": cmdStop, "parar": cmdStop, "cancelar": cmdStop, "baja": cmdStop,
	"restart": cmdRestart, "reiniciar": cmdRestart,
	"help": cmdHelp, "ayuda": cmdHelp,
	"back": cmdBack, "atras": cmdBack,
	"skip": cmdSkip, "omitir": cmdSkip, "saltar": cmdSkip,
}

var (
	yesWords = map[string]bool{"yes": true, "y": true, "si": true, "s": true}
	noWords  = map[string]bool{"no": true, "n": true}
)

// command returns the command a message is, cmdNone when it is an
// answer.
func command(s string) int {
	if len(s) > 32 {
		return cmdNone
	}
	return commands[Fold(s)]
}

// Fold is how a conversation compares what a person typed with a word it
// expects (a command, a choice's label, a service keyword): lower case,
// accents dropped, surrounding spaces and sentence punctuation removed,
// inner white space folded to one space. "¡Sí!", "SI" and "si" all fold
// to "si".
func Fold(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(".!?¡¿", r) })
	s = strings.ToLower(s)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = strings.Map(func(r rune) rune {
			if unicode.Is(unicode.Mn, r) {
				return -1
			}
			return r
		}, norm.NFD.String(s))
	}
	return strings.Join(strings.Fields(s), " ")
}

// title returns the form title in a resolved language.
func (f *Form) titleIn(l *lang) string { return l.text(f.title, f.titles) }
