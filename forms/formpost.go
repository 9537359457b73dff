package forms

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"
)

// DecodeForm turns an HTML form post into JSON values, guided by the
// schema: names join property names with dots ("applicant.email"),
// repeated names make arrays, the rows of a repeating group are named by
// index ("members.2.dob"; see Repeating groups in the package
// documentation), and strings become numbers and booleans
// where the field wants them ("on", "true", "yes", "1" are true; "off",
// "false", "no", "0" are false). Empty inputs are left out, so a blank
// required field reports "required". Names starting with "_" belong to the
// page (step, CSRF token) and are skipped. Strings that do not convert are
// kept as strings so validation reports a type error on the field.
// The error, if any, is a limit or syntax error (more than 1,000 values,
// names nested deeper than the depth limit, a name used both as a value
// and as a group, invalid UTF-8, a row index that cannot be,
// ErrRowIndex); ProblemFor answers it with its code. DecodeForm ignores
// the "Add" and "Remove" buttons of a repeating group; ReadPost applies
// them.
func (f *Form) DecodeForm(vals url.Values) (map[string]any, error) {
	m, err := f.decodeForm(vals, nil, nil)
	if ie, ok := err.(*inputError); ok {
		ie.form = f // ProblemFor answers in the form's languages
	}
	return m, err
}

// decodeForm is DecodeForm; rm, when set, is a row of a repeating group
// to leave out, which must have been posted; moved, when set, records
// the rows whose index changed (see rows).
func (f *Form) decodeForm(vals url.Values, rm *rowRef, moved map[string]string) (map[string]any, error) {
	out := map[string]any{}
	keys := make([]string, 0, len(vals))
	n := 0
	for k, vs := range vals {
		keys = append(keys, k)
		if n += len(vs); n > maxFormValues {
			return nil, &inputError{kind: ErrTooManyFields, offset: -1}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "_") {
			continue
		}
		if !utf8.ValidString(k) {
			return nil, &inputError{kind: ErrInvalidUTF8, offset: -1}
		}
		names := strings.Split(k, ".")
		if len(names) > f.limits.maxDepth {
			return nil, &inputError{kind: ErrTooDeep, offset: -1, detail: "field name nested too deeply"}
		}
		for _, v := range vals[k] {
			if !utf8.ValidString(v) {
				return nil, &inputError{kind: ErrInvalidUTF8, offset: -1, pointer: pointerOf(names)}
			}
		}
		var fl *Field
		marker := false
		if f.groups {
			// rows are named by index ("members.2.dob"), each checked
			var err error
			if fl, marker, err = f.postedField(names); err != nil {
				return nil, err
			}
		} else {
			fl = f.byPath[k]
		}
		v, keep := coerce(fl, vals[k])
		if marker {
			// a row drawn with every input blank is still a row
			names, v, keep = names[:len(names)-1], map[string]any{}, true
		}
		if !keep {
			continue
		}
		m := out
		for i, n := range names[:len(names)-1] {
			next, ok := m[n]
			if !ok {
				nm := map[string]any{}
				m[n] = nm
				m = nm
				continue
			}
			nm, ok := next.(map[string]any)
			if !ok {
				return nil, &inputError{kind: ErrSyntax, offset: -1, pointer: pointerOf(names[:i+1]),
					detail: "a name is used both for a value and for a group"}
			}
			m = nm
		}
		last := names[len(names)-1]
		prev, taken := m[last]
		_, prevGroup := prev.(map[string]any)
		switch {
		case marker && prevGroup:
			continue // the row's inputs came first
		case marker && taken, !marker && prevGroup:
			return nil, &inputError{kind: ErrSyntax, offset: -1, pointer: pointerOf(names),
				detail: "a name is used both for a value and for a group"}
		}
		m[last] = v
	}
	if f.groups {
		removed, err := f.rows(f.root, out, nil, "", rm, moved)
		if err != nil {
			return nil, err
		}
		if rm != nil && !removed {
			return nil, &inputError{kind: ErrRowIndex, offset: -1, pointer: rm.pointer(), detail: "the row to remove was not posted"}
		}
	}
	return out, nil
}

// coerce converts the posted strings of one name; keep is false when the
// input was left empty.
func coerce(fl *Field, raw []string) (any, bool) {
	if fl != nil && fl.Type == "array" {
		items := make([]any, 0, len(raw))
		for _, s := range raw {
			if v, ok := scalar(fl.ItemType, s); ok {
				items = append(items, v)
			}
		}
		return items, len(items) > 0
	}
	typ := "string"
	if fl != nil {
		typ = fl.Type
	}
	if len(raw) == 1 {
		return scalar(typ, raw[0])
	}
	items := make([]any, 0, len(raw))
	for _, s := range raw {
		if v, ok := scalar(typ, s); ok {
			items = append(items, v)
		}
	}
	switch len(items) {
	case 0:
		return nil, false
	case 1:
		return items[0], true
	}
	return items, true
}

func scalar(typ, s string) (any, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, false
	}
	switch typ {
	case "number", "integer":
		if isNumber(t) {
			return json.Number(t), true
		}
	case "boolean":
		switch strings.ToLower(t) {
		case "on", "true", "yes", "1":
			return true, true
		case "off", "false", "no", "0":
			return false, true
		}
	}
	return s, true
}

// maxFormValues bounds the name=value pairs of one form post.
const maxFormValues = 1000
