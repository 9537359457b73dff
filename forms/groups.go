package forms

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/civickit/civickit/adapters"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// DefaultMaxRows bounds the rows of a repeating group whose schema has no
// maxItems; a group that needs more states its own maxItems. Like the
// body and depth limits it bounds what one submission makes the server
// do, and it is checked on JSON submissions and form posts alike.
const DefaultMaxRows = 100

// ErrRowIndex reports a form post naming a row of a repeating group that
// cannot exist ("members.02.dob", "members.-1.dob", a row past maxItems
// or DefaultMaxRows) or an "Add another" or "Remove" button that names
// no row or group of the form. Like the input limit errors it wraps
// adapters.ErrInvalidArgument, and the *ValidationError reporting it
// unwraps to it.
var ErrRowIndex = fmt.Errorf("forms: no such row: %w", adapters.ErrInvalidArgument)

// rowMarker ends the name of the hidden input each drawn row posts
// ("members.2._row"), so a row whose inputs are all blank is still a
// row. A property name never starts with '_', so it names no field.
const rowMarker = "_row"

// The names of the buttons that add and remove rows. Their value names
// the group ("members") or the row ("members.2").
const (
	addName    = "_add"
	removeName = "_remove"
)

// RowEdit is a press of a repeating group's "Add another" or "Remove"
// button: the post asks for the same page again with one row more or
// less, and is not a submission.
type RowEdit struct {
	// Group is the dotted path of the group: "members", or for a group
	// inside a row "members.0.pets".
	Group string
	// Row is the index, from 0, of the row added or removed.
	Row int
	// Remove is set for a removal, unset for an added row.
	Remove bool
}

// RowTitle returns the heading of row n (counting from 1) of a repeating
// group in the best matching locale: the items schema's title (or its
// x-titles translation) and the number, "Household member 2". It is
// empty for a field that is not a repeating group.
func (fl *Field) RowTitle(locale string, n int) string { return fl.rowTitleIn(resolve(locale), n) }

func (fl *Field) rowTitleIn(l *lang, n int) string {
	if fl.Widget != "group" {
		return ""
	}
	return fl.row.in(l) + " " + strconv.Itoa(n)
}

// rowCap is the most rows the group may hold.
func rowCap(fl *Field) int {
	if fl.MaxItems > 0 {
		return fl.MaxItems
	}
	return DefaultMaxRows
}

// parseRowIndex reads a row index as the renderer writes it: decimal
// digits without a sign or a leading zero, below limit. It stops at the
// first digit that takes it past limit, so no index overflows, and
// nothing is ever allocated by an index.
func parseRowIndex(s string, limit int) (int, bool) {
	if s == "" || len(s) > len(strconv.Itoa(limit)) || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int(c - '0')
		if n > (limit-1-d)/10 {
			return 0, false // past the limit, before it could overflow
		}
		n = n*10 + d
	}
	return n, n < limit
}

// group builds a repeating group: an array whose items are objects. Its
// Fields are the fields of one row, with "*" standing for the row in
// their paths and pointers.
func (b *builder) group(fl *Field, s *jsonschema.Schema, kw *keywords) error {
	items := deref(s.Items2020)
	if fl.Widget != "group" {
		b.fail(fragment(s)+"/x-widget", fmt.Sprintf("x-widget %q cannot draw an array of objects: it is a repeating group and takes x-widget \"group\" or none", fl.Widget))
	}
	ik := keywordsOf(items)
	if items.Title == "" && len(ik.titles) == 0 {
		b.fail(fragment(items), fmt.Sprintf("the items of repeating group %q need a title: it heads each row (\"Household member 2\")", fl.Path))
	}
	if len(fl.Options) > 0 {
		b.fail(fragment(items), fmt.Sprintf("the items of repeating group %q are objects and take no enum", fl.Path))
	}
	fl.row = localText{def: items.Title, m: ik.titles}
	b.form.groups = true
	return b.object(fl, items, fl.Path+".*", fl.Pointer+"/*")
}

// rowField finds the row template field of a path that names rows by
// index or by "*" ("members.2.dob", "members.*.dob").
func (f *Form) rowField(path string) *Field {
	cur, atRow, rowEnd := f.root, false, false
	for name := range strings.SplitSeq(path, ".") {
		if atRow {
			if _, ok := parseRowIndex(name, rowCap(cur)); !ok && name != "*" {
				return nil
			}
			atRow, rowEnd = false, true
			continue
		}
		if cur = cur.names[name]; cur == nil {
			return nil
		}
		atRow, rowEnd = cur.Widget == "group", false
	}
	if rowEnd {
		return nil // a row, not a field
	}
	return cur
}

// postedField finds the field of a posted name on a form with groups,
// checking each row index on the way. marker reports a row's marker
// input; fl is nil for a name the form does not declare.
func (f *Form) postedField(names []string) (fl *Field, marker bool, err error) {
	cur, atRow := f.root, false
	for i, name := range names {
		if atRow {
			if _, ok := parseRowIndex(name, rowCap(cur)); !ok {
				return nil, false, badRow(names, i)
			}
			if i == len(names)-2 && names[i+1] == rowMarker {
				return nil, true, nil
			}
			atRow = false
			if i == len(names)-1 {
				return nil, false, nil // a value for the row itself: validation says it is no group of fields
			}
			continue
		}
		if cur = cur.names[name]; cur == nil {
			return nil, false, nil
		}
		atRow = cur.Widget == "group"
	}
	return cur, false, nil
}

// badRow reports the row index names[i], clipped: the error names a
// declared group, so only the index is the client's text.
func badRow(names []string, i int) error {
	return &inputError{kind: ErrRowIndex, offset: -1, pointer: pointerOf(append(slices.Clone(names[:i]), clip(names[i])))}
}

// rowRef names one row of one group by its posted tokens.
type rowRef struct {
	group *Field
	toks  []string // the group's path, row indexes as posted
	index int
}

func (r *rowRef) path() string { return strings.Join(r.toks, ".") }

func (r *rowRef) pointer() string {
	return pointerOf(append(slices.Clone(r.toks), strconv.Itoa(r.index)))
}

// rowEdit reads the "Add another" or "Remove" button of a form post:
// nil when there is none. The row of a removal is checked to exist by
// rows, the room for an added row by addRow.
func (f *Form) rowEdit(vals url.Values) (*rowRef, bool, error) {
	adds, removes := vals[addName], vals[removeName]
	if len(adds)+len(removes) == 0 {
		return nil, false, nil
	}
	if len(adds)+len(removes) > 1 {
		return nil, false, &inputError{kind: ErrSyntax, offset: -1, detail: "a post may press one add or remove button"}
	}
	remove := len(removes) == 1
	value := ""
	if remove {
		value = removes[0]
	} else {
		value = adds[0]
	}
	names := strings.Split(value, ".")
	if len(names) > f.limits.maxDepth {
		return nil, false, &inputError{kind: ErrTooDeep, offset: -1, detail: "row name nested too deeply"}
	}
	cur, atRow := f.root, false
	for i, name := range names {
		if atRow {
			n, ok := parseRowIndex(name, rowCap(cur))
			if !ok {
				return nil, false, badRow(names, i)
			}
			if remove && i == len(names)-1 {
				return &rowRef{group: cur, toks: names[:i], index: n}, true, nil
			}
			atRow = false
			continue
		}
		if cur = cur.names[name]; cur == nil {
			break
		}
		atRow = cur.Widget == "group"
	}
	if !remove && atRow {
		return &rowRef{group: cur, toks: names}, false, nil
	}
	return nil, false, &inputError{kind: ErrRowIndex, offset: -1, pointer: pointerOf(names),
		detail: "the button names no repeating group or row of the form"}
}

// rows turns each group's rows, posted as an object keyed by index, into
// a list in index order, leaving out the row to remove (which must have
// been posted). A list never grows by an index: only rows posted count.
// at is the path of m as posted, final its path once rows close up; when
// moved is set, it maps the posted path of each row whose path changed
// to its new one ("members.3" to "members.2"), "" for the row removed.
func (f *Form) rows(parent *Field, m map[string]any, at []string, final string, rm *rowRef, moved map[string]string) (removed bool, err error) {
	for _, fl := range parent.Fields {
		v, ok := m[fl.Name]
		if !ok {
			continue
		}
		child, ok := v.(map[string]any)
		if !ok {
			continue // a value where a group belongs: validation reports it
		}
		here := append(at, fl.Name)
		finalHere := joinPath(final, fl.Name)
		if fl.Type == "object" {
			r, err := f.rows(fl, child, here, finalHere, rm, moved)
			if err != nil {
				return false, err
			}
			removed = removed || r
			continue
		}
		if fl.Widget != "group" {
			continue
		}
		idx := make([]int, 0, len(child))
		for k := range child {
			n, _ := strconv.Atoi(k) // postedField let only row indexes through
			idx = append(idx, n)
		}
		slices.Sort(idx)
		list := make([]any, 0, len(idx))
		for _, n := range idx {
			key := strconv.Itoa(n)
			if rm != nil && rm.group == fl && n == rm.index && slices.Equal(rm.toks, here) {
				removed = true
				if moved != nil {
					moved[strings.Join(here, ".")+"."+key] = ""
				}
				continue
			}
			rowFinal := finalHere + "." + strconv.Itoa(len(list))
			if posted := strings.Join(here, ".") + "." + key; moved != nil && posted != rowFinal {
				moved[posted] = rowFinal
			}
			row := child[key]
			if rowMap, ok := row.(map[string]any); ok {
				r, err := f.rows(fl, rowMap, append(here, key), rowFinal, rm, moved)
				if err != nil {
					return false, err
				}
				removed = removed || r
			}
			list = append(list, row)
		}
		m[fl.Name] = list
	}
	return removed, nil
}

// decodePost is DecodeForm for ReadPost: it also applies an "Add
// another" or "Remove" button, returning the edit made; moved, when set,
// records the rows whose index changed (see rows).
func (f *Form) decodePost(vals url.Values, moved map[string]string) (map[string]any, *RowEdit, error) {
	ref, remove, err := f.rowEdit(vals)
	if err != nil {
		return nil, nil, err
	}
	var rm *rowRef
	if remove {
		rm = ref
	}
	m, err := f.decodeForm(vals, rm, moved)
	if err != nil || ref == nil {
		return m, nil, err
	}
	if remove {
		return m, &RowEdit{Group: ref.path(), Row: ref.index, Remove: true}, nil
	}
	n, err := addRow(m, ref)
	if err != nil {
		return nil, nil, err
	}
	return m, &RowEdit{Group: ref.path(), Row: n}, nil
}

// addRow appends an empty row to the group ref names and returns its
// index; the rows above it must exist, and the group have room.
func addRow(m map[string]any, ref *rowRef) (int, error) {
	var cur any = m
	for i, t := range ref.toks[:len(ref.toks)-1] {
		switch x := cur.(type) {
		case map[string]any:
			cur = x[t]
		case []any:
			n, _ := strconv.Atoi(t) // rowEdit let only row indexes through
			if n >= len(x) {
				return 0, &inputError{kind: ErrRowIndex, offset: -1, pointer: pointerOf(ref.toks[:i+1])}
			}
			cur = x[n]
		}
	}
	parent, ok := cur.(map[string]any)
	if !ok {
		return 0, &inputError{kind: ErrRowIndex, offset: -1, pointer: pointerOf(ref.toks)}
	}
	name := ref.toks[len(ref.toks)-1]
	list, _ := parent[name].([]any)
	if _, posted := parent[name]; posted && list == nil {
		return 0, &inputError{kind: ErrSyntax, offset: -1, pointer: pointerOf(ref.toks),
			detail: "a name is used both for a value and for a group"}
	}
	if len(list) >= rowCap(ref.group) {
		return 0, &inputError{kind: ErrRowIndex, offset: -1, pointer: pointerOf(append(slices.Clone(ref.toks), strconv.Itoa(len(list))))}
	}
	parent[name] = append(list, map[string]any{})
	return len(list), nil
}

// pruneRows prunes each row of a group as an object of its own, and
// holds a group without maxItems to DefaultMaxRows.
func (f *Form) pruneRows(fl *Field, v any, path []string, probs []problem) []problem {
	rows, ok := v.([]any)
	if !ok {
		return probs
	}
	if fl.MaxItems == 0 && len(rows) > DefaultMaxRows {
		return append(probs, problem{toks: slices.Clone(path), code: "maxItems", params: map[string]any{"limit": DefaultMaxRows}})
	}
	// one path for every row: a problem keeps its own copy
	at := make([]string, len(path)+1, len(path)+4)
	copy(at, path)
	for i, r := range rows {
		if row, ok := r.(map[string]any); ok {
			at[len(path)] = strconv.Itoa(i)
			probs = f.prune(fl, row, at, probs)
		}
	}
	return probs
}

// errorRank orders a problem's location by form order, row by row: the
// orders of the fields on its way with each row index between them. A
// location the form does not declare ranks after every field.
func (f *Form) errorRank(toks []string) []int {
	rank := make([]int, 0, len(toks))
	cur, atRow := f.root, false
	for _, t := range toks {
		if atRow {
			n, err := strconv.Atoi(t)
			if err != nil {
				return []int{len(f.ordered)}
			}
			rank = append(rank, n)
			atRow = false
			continue
		}
		if cur.Type == "array" && cur.Widget != "group" {
			continue // a list of choices: its items are one field
		}
		if cur = cur.names[t]; cur == nil {
			return []int{len(f.ordered)}
		}
		rank = append(rank, cur.order)
		atRow = cur.Widget == "group"
	}
	return rank
}

// RowView is one row of a repeating group, drawn as a fieldset whose
// legend is a heading.
type RowView struct {
	// ID is the row fieldset's id; Title its heading ("Household member
	// 2"), of level Level (2 to 6).
	ID, Title string
	Level     int
	// Marker is the name of the row's hidden input ("members.1._row"),
	// which keeps a row whose inputs are all blank.
	Marker string
	// Fields are the row's fields, named for the row ("members.1.dob").
	Fields []*FieldView
	// Remove is the row's "Remove" button.
	Remove ButtonView
}

// ButtonView is a submit button that adds or removes a row.
type ButtonView struct {
	// ID is the button's id, the group's or the row's id and "_row-add"
	// or "_row-remove" ("_r" is in no input's id); Name ("_add" or "_remove") and Value (the
	// group's or the row's dotted path) are what it posts; Text is its
	// label.
	ID, Name, Value, Text string
}

// rowsView fills in the rows of a repeating group and returns the id
// the error summary links the group's own errors to: the "Add another"
// button, or the group's fieldset when it is full. A group never
// answered starts with its minItems rows, all blank.
func (b *viewBuilder) rowsView(fv *FieldView, fl *Field, path string, val any) string {
	fv.IsRows = true
	list, _ := val.([]any)
	n := min(len(list), rowCap(fl))
	if val == nil {
		n = fl.MinItems
	}
	level := b.level
	b.level = min(level+1, 6) // a group inside a row is headed below it
	defer func() { b.level = level }()
	fv.Rows = make([]RowView, n)
	for i := range n {
		rowPath := path + "." + strconv.Itoa(i)
		var row map[string]any
		if i < len(list) {
			row, _ = list[i].(map[string]any)
		}
		title := fl.rowTitleIn(b.l, i+1)
		rv := &fv.Rows[i]
		*rv = RowView{ID: inputID(rowPath), Title: title, Level: level, Marker: rowPath + "." + rowMarker,
			Fields: make([]*FieldView, 0, len(fl.Fields)),
			Remove: ButtonView{ID: inputID(rowPath) + "_row-remove", Name: removeName, Value: rowPath, Text: fmt.Sprintf(b.removeRow, title)}}
		for _, c := range fl.Fields {
			rv.Fields = append(rv.Fields, b.field(c, rowPath+"."+c.Name, row[c.Name], false))
		}
		if b.targets != nil {
			b.targets[rowPath] = rv.ID
			if b.rowTitles == nil {
				b.rowTitles = map[string]string{}
			}
			b.rowTitles[rowPath] = title
		}
	}
	b.rowButtons = true
	if n >= rowCap(fl) {
		return fv.ID
	}
	fv.Add = &ButtonView{ID: fv.ID + "_row-add", Name: addName, Value: path, Text: fmt.Sprintf(b.addRow, fl.rowTitleIn(b.l, n+1))}
	return fv.Add.ID
}

// rowsOrObject returns the schema of the object whose fields are obj's:
// a repeating group's items, or obj's own.
func rowsOrObject(obj *Field) *jsonschema.Schema {
	s := deref(obj.schema)
	if obj.Widget == "group" && s.Items2020 != nil {
		return deref(s.Items2020)
	}
	return s
}

// fieldPointer is the pointer of fl, a field of parent's object at the
// pointer at: its own Pointer outside rows, or the row's
// ("/members/2/dob").
func fieldPointer(parent, fl *Field, at string) string {
	if at == parent.Pointer {
		return fl.Pointer
	}
	return at + pointerOf([]string{fl.Name})
}

// eachRow maps each object row of a group's value through do; a value
// that is not a list, and a row that is not an object, is copied.
func eachRow(v any, do func(row map[string]any, i int) (any, error)) (any, error) {
	rows, ok := v.([]any)
	if !ok {
		return deepCopy(v), nil
	}
	out := make([]any, len(rows))
	for i, r := range rows {
		row, ok := r.(map[string]any)
		if !ok {
			out[i] = deepCopy(r)
			continue
		}
		var err error
		if out[i], err = do(row, i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// inRow returns the summary line of an error: its message, after the
// title of the row it is in ("Household member 2: Enter an answer."),
// since every row asks the same questions.
func (b *viewBuilder) inRow(fe FieldError) string {
	for p := fe.Field; b.rowTitles != nil; {
		if t, ok := b.rowTitles[p]; ok {
			return t + ": " + fe.Message
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return fe.Message
}
