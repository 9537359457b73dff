package forms

import (
	"encoding/json"
	"strconv"
)

// Prefill returns a copy of values with each field that names an identity
// claim (x-prefill) and has no value yet set from claims, the principal's
// claims as a map (so forms needs no identity package). A claim is used
// only when it fits the field's type; values the resident entered are
// never overwritten, and a prefilled field stays an ordinary editable
// input.
func (f *Form) Prefill(values, claims map[string]any) map[string]any {
	out, _ := deepCopy(values).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	var walk func(parent *Field, m map[string]any)
	walk = func(parent *Field, m map[string]any) {
		for _, fl := range parent.Fields {
			if fl.Type == "object" {
				child, ok := m[fl.Name].(map[string]any)
				if !ok {
					if _, taken := m[fl.Name]; taken {
						continue
					}
					child = map[string]any{}
				}
				walk(fl, child)
				if len(child) > 0 {
					m[fl.Name] = child
				}
				continue
			}
			if fl.Prefill == "" {
				continue
			}
			if _, taken := m[fl.Name]; taken {
				continue
			}
			if v, ok := claimValue(fl, claims[fl.Prefill]); ok {
				m[fl.Name] = v
			}
		}
	}
	walk(f.root, out)
	return out
}

func claimValue(fl *Field, c any) (any, bool) {
	switch fl.Type {
	case "string":
		s, ok := c.(string)
		return s, ok && s != ""
	case "boolean":
		b, ok := c.(bool)
		return b, ok
	case "number", "integer":
		switch n := c.(type) {
		case json.Number:
			return n, true
		case float64:
			return json.Number(strconv.FormatFloat(n, 'f', -1, 64)), true
		case int:
			return json.Number(strconv.Itoa(n)), true
		case int64:
			return json.Number(strconv.FormatInt(n, 10)), true
		}
	}
	return nil, false
}
