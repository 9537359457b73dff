package feedback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
	"unicode/utf8"

	"github.com/civickit/civickit/adapters"
)

// templateFuncs are the functions a template may call: this package's
// and the comparisons and logic of text/template.
var templateFuncs = []string{"date", "datetime", "upper", "lower", "eq", "ne", "not", "and", "or"}

// checker parses one version's files and checks them against the
// template's declared fields.
type checker struct {
	l        *loader
	template string
	fields   []string
	funcs    map[string]any
}

// text parses a text part that starts on line first of file.
func (c *checker) text(file string, first int, src string) *texttemplate.Template {
	t, err := texttemplate.New(file).Funcs(c.funcs).Option("missingkey=zero").Parse(src)
	if err != nil {
		c.parseError(file, first, err)
		return nil
	}
	if !c.check(file, first, src, t.Tree, len(t.Templates())) {
		return nil
	}
	return t
}

// html parses an HTML part and escapes it at once, so that a construct
// html/template cannot escape safely fails the load, not a send.
func (c *checker) html(file, src string) *htmltemplate.Template {
	if i := indexFold(src, "<script"); i >= 0 {
		c.l.fail(file, lineAt(src, i, 1), "", "a script element: mail readers do not run scripts and the templates do not carry them")
		return nil
	}
	t, err := htmltemplate.New(file).Funcs(c.funcs).Option("missingkey=zero").Parse(src)
	if err != nil {
		c.parseError(file, 1, err)
		return nil
	}
	if !c.check(file, 1, src, t.Tree, len(t.Templates())) {
		return nil
	}
	err = t.Execute(io.Discard, map[string]any{})
	if he := (*htmltemplate.Error)(nil); errors.As(err, &he) {
		c.l.fail(file, he.Line, "", "html/template cannot escape it safely: %s", he.Description)
		return nil
	}
	return t
}

func (c *checker) parseError(file string, first int, err error) {
	msg, line := err.Error(), 0
	if rest, ok := strings.CutPrefix(msg, "template: "+file+":"); ok {
		if n, after, ok := strings.Cut(rest, ":"); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l+first-1, strings.TrimSpace(after)
			}
		}
	}
	if strings.Contains(msg, "function") && strings.Contains(msg, "not defined") {
		msg += " (the functions are " + strings.Join(templateFuncs, ", ") + ")"
	}
	c.l.fail(file, line, "", "does not parse: %s", msg)
}

// check walks a parsed tree; it reports whether the tree passed.
func (c *checker) check(file string, first int, src string, tree *parse.Tree, ntemplates int) bool {
	before := len(c.l.problems)
	if ntemplates > 1 {
		c.l.fail(file, 0, "", "define and block are not allowed: a template is one file")
	}
	w := walker{c: c, file: file, first: first, src: src}
	if tree != nil {
		w.node(tree.Root)
	}
	return len(c.l.problems) == before
}

type walker struct {
	c     *checker
	file  string
	first int
	src   string
}

func (w *walker) fail(n parse.Node, placeholder, format string, args ...any) {
	w.c.l.fail(w.file, lineAt(w.src, int(n.Position()), w.first), placeholder, format, args...)
}

func (w *walker) node(n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.node(c)
		}
	case *parse.TextNode, *parse.CommentNode:
	case *parse.ActionNode:
		w.pipe(n.Pipe)
	case *parse.IfNode:
		w.pipe(n.Pipe)
		w.node(n.List)
		w.node(n.ElseList)
	case *parse.RangeNode:
		w.fail(n, "", "range is not allowed: placeholders name fields of the message's data")
	case *parse.WithNode:
		w.fail(n, "", "with is not allowed: placeholders name fields of the message's data")
	case *parse.TemplateNode:
		w.fail(n, "", "template is not allowed: a template is one file")
	default:
		w.fail(n, "", "%s is not allowed", n)
	}
}

func (w *walker) pipe(p *parse.PipeNode) {
	if p == nil {
		return
	}
	if len(p.Decl) > 0 {
		w.fail(p, "", "variables are not allowed: name the field itself")
		return
	}
	for _, cmd := range p.Cmds {
		for _, a := range cmd.Args {
			w.arg(a)
		}
	}
}

func (w *walker) arg(n parse.Node) {
	switch n := n.(type) {
	case *parse.FieldNode:
		w.field(n, strings.Join(n.Ident, "."))
	case *parse.VariableNode:
		if len(n.Ident) < 2 || n.Ident[0] != "$" {
			w.fail(n, n.String(), "%s is not allowed: name a field, as {{.name}}", n)
			return
		}
		w.field(n, strings.Join(n.Ident[1:], "."))
	case *parse.DotNode:
		w.fail(n, ".", "{{.}} is not allowed: name a field, as {{.name}}")
	case *parse.IdentifierNode:
		if !slices.Contains(templateFuncs, n.Ident) {
			w.fail(n, "", "function %q is not allowed (the functions are %s)", n.Ident, strings.Join(templateFuncs, ", "))
		}
	case *parse.PipeNode:
		w.pipe(n)
	case *parse.StringNode, *parse.NumberNode, *parse.BoolNode:
	default:
		w.fail(n, n.String(), "%s is not allowed: name a field, as {{.name}}", n)
	}
}

func (w *walker) field(n parse.Node, path string) {
	if slices.Contains(w.c.fields, path) {
		return
	}
	w.fail(n, "."+path, "placeholder {{.%s}} is not a field of template %q (nearest: .%s; declared: %s)",
		path, w.c.template, nearest(path, w.c.fields), strings.Join(w.c.fields, ", "))
}

// lineAt returns the line of byte offset i of src, counting from first.
func lineAt(src string, i, first int) int {
	i = min(max(i, 0), len(src))
	return first + strings.Count(src[:i], "\n")
}

// indexFold is strings.Index ignoring ASCII case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// nearest returns the name closest to s by edit distance.
func nearest(s string, names []string) string {
	best, bestD := "", -1
	for _, n := range names {
		ls, ln := strings.ToLower(s), strings.ToLower(n)
		d := editDistance(ls, ln)
		if i := strings.LastIndexByte(ln, '.'); i >= 0 {
			// ".city" is near "site.city"
			d = min(d, 1+editDistance(ls, ln[i+1:]))
		}
		if bestD < 0 || d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// data decodes a message's data for a template: missing or null
// declared fields become "", and personal data is masked when redact is
// set.
func (t *Templates) data(m adapters.Message, set *templateSet, redact bool) (map[string]any, error) {
	if len(m.Data) > t.maxData {
		return nil, fmt.Errorf("feedback: render message %s: data of %d bytes is larger than the limit of %d: %w", m.ID, len(m.Data), t.maxData, adapters.ErrInvalidArgument)
	}
	data, ok := decodeFlat(m.Data)
	if !ok && len(bytes.TrimSpace(m.Data)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(m.Data))
		dec.UseNumber()
		err := dec.Decode(&data)
		if err == nil {
			if _, extra := dec.Token(); extra != io.EOF {
				err = errors.New("more than one JSON value")
			}
		}
		if err != nil {
			return nil, fmt.Errorf("feedback: render message %s: data is not a JSON object: %v: %w", m.ID, err, adapters.ErrInvalidArgument)
		}
	}
	if data == nil {
		data = make(map[string]any, len(set.fields))
	}
	if redact {
		for _, p := range set.redact {
			redactAt(data, p)
		}
	}
	for _, f := range set.fields {
		fill(data, f)
	}
	return data, nil
}

// reaching returns the PII paths that overlap a declared field: only
// those can show in a template's output.
func reaching(pii, fields [][]string) [][]string {
	var out [][]string
	for _, p := range pii {
		for _, f := range fields {
			n := min(len(p), len(f))
			if slices.EqualFunc(p[:n], f[:n], func(a, b string) bool { return a == "*" || a == b }) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// redactAt masks the value at path p under v and returns v.
func redactAt(v any, p []string) any {
	if len(p) == 0 {
		return redactAll(v)
	}
	switch x := v.(type) {
	case map[string]any:
		if p[0] == "*" {
			for k, e := range x {
				x[k] = redactAt(e, p[1:])
			}
		} else if e, ok := x[p[0]]; ok {
			x[p[0]] = redactAt(e, p[1:])
		}
	case []any:
		if p[0] == "*" {
			for i, e := range x {
				x[i] = redactAt(e, p[1:])
			}
		} else if i, err := strconv.Atoi(p[0]); err == nil && i >= 0 && i < len(x) {
			x[i] = redactAt(x[i], p[1:])
		}
	}
	return v
}

// redactAll masks every value inside v, keeping the shape of objects
// and arrays so that a template's nested fields still resolve.
func redactAll(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case map[string]any:
		for k, e := range x {
			x[k] = redactAll(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = redactAll(e)
		}
		return x
	default:
		return RedactedMark
	}
}

// fill sets the declared field f of data to "" when it is missing or
// null, making the objects on its way.
func fill(data map[string]any, f []string) {
	m := data
	for i, seg := range f {
		v, ok := m[seg]
		if i == len(f)-1 {
			if !ok || v == nil {
				m[seg] = ""
			}
			return
		}
		next, isMap := v.(map[string]any)
		if !isMap {
			if v != nil {
				return // not an object: rendering the path reports it
			}
			next = map[string]any{}
			m[seg] = next
		}
		m = next
	}
}

// decodeFlat decodes the most common data, a flat object of plain
// strings such as workflow.MessageFields write, without reflection. It
// declines (ok false) anything else: other values, escapes, control
// characters, invalid UTF-8, which encoding/json then decodes. Where it
// succeeds its result is the same as encoding/json's (a fuzz test
// compares them).
func decodeFlat(b []byte) (m map[string]any, ok bool) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	m = make(map[string]any, 8)
	if i < len(b) && b[i] == '}' {
		return m, skipSpace(b, i+1) == len(b)
	}
	for {
		k, j, ok := plainString(b, i)
		if !ok {
			return nil, false
		}
		i = skipSpace(b, j)
		if i == len(b) || b[i] != ':' {
			return nil, false
		}
		v, j, ok := plainString(b, skipSpace(b, i+1))
		if !ok {
			return nil, false
		}
		m[k] = v
		i = skipSpace(b, j)
		if i == len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return m, skipSpace(b, i+1) == len(b)
		default:
			return nil, false
		}
	}
}

// plainString reads a JSON string at b[i] that needs no unescaping and
// returns it and the index after it.
func plainString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return "", 0, false
			}
			return string(s), j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		case c >= 0x80:
			ascii = false
		}
	}
	return "", 0, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
