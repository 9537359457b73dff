package forms

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/civickit/civickit/keyring"
)

// RedactedPrefix starts the mask Redact puts in place of a PII value:
// "[redacted:contact]".
const RedactedPrefix = "[redacted:"

// Redact returns a copy of values with every PII field's value (any field
// with x-pii, or inside a group with x-pii) replaced by
// "[redacted:<category>]", for logs, exports and staff without clearance.
// Fields the form does not declare are dropped, since nothing says they
// are safe to show. The fields of a repeating group's rows are redacted
// row by row like top-level ones.
func (f *Form) Redact(values map[string]any) map[string]any {
	return redactObject(f.root, values)
}

func redactObject(parent *Field, m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		fl := parent.names[k]
		if fl == nil {
			continue
		}
		cat := fl.PII
		switch {
		case fl.Type == "object" && cat == "":
			if child, ok := v.(map[string]any); ok {
				out[k] = redactObject(fl, child)
			} else {
				out[k] = deepCopy(v)
			}
		case fl.Widget == "group" && cat == "":
			out[k], _ = eachRow(v, func(row map[string]any, _ int) (any, error) { return redactObject(fl, row), nil })
		case cat != "":
			out[k] = RedactedPrefix + cat + "]"
		default:
			out[k] = deepCopy(v)
		}
	}
	return out
}

// PIIPaths returns the dotted paths of the form's personal data fields
// (those with x-pii), in form order: "applicant.email", and
// "members.*.dob" for a field of a repeating group's rows. A field inside
// a PII object is covered by the object's path and not listed again. It
// lets other packages redact by these marks without importing forms
// (feedback.TemplatesConfig.PIIFrom takes a *Form).
func (f *Form) PIIPaths() []string {
	var out []string
	for _, fl := range f.ordered {
		if fl.PII == "" || coveredBy(out, fl.Path) {
			continue
		}
		out = append(out, fl.Path)
	}
	return out
}

// coveredBy reports whether path is one of paths or lies under one.
func coveredBy(paths []string, path string) bool {
	for _, p := range paths {
		if path == p || strings.HasPrefix(path, p+".") {
			return true
		}
	}
	return false
}

// sealedKey marks a sealed value: {"$sealed": "v1.<key>.<data>"}. A
// validated value can never take this shape in a PII field, since the
// key is not a declared property.
const sealedKey = "$sealed"

// Sealed reports whether v is a value Seal sealed, as it stands in sealed
// data: {"$sealed": "..."}. Open such data before showing it.
func Sealed(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	_, ok = m[sealedKey].(string)
	return ok
}

// Seal returns a copy of values whose PII fields are encrypted with the
// ring's primary key, each as {"$sealed": "<sealed value>"} bound to the
// form id and the field's pointer. Other fields are copied as they are.
// A ring for data at rest keeps retired keys (keyring.GraceForever, or a
// grace at least as long as the data lives). A PII field in a row of a
// repeating group is bound to its row's pointer ("/members/2/dob").
func (f *Form) Seal(values map[string]any, ring *keyring.KeyRing) (map[string]any, error) {
	return f.sealObject(f.root, values, ring, "")
}

// sealObject seals the fields of the object m of parent, which is at
// the pointer at.
func (f *Form) sealObject(parent *Field, m map[string]any, ring *keyring.KeyRing, at string) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		fl := parent.names[k]
		switch {
		case fl != nil && fl.PII != "":
			plain, err := appendJSON(nil, v)
			if err != nil {
				return nil, fmt.Errorf("forms: seal %s: %w", fl.Path, err)
			}
			out[k] = map[string]any{sealedKey: ring.Seal(f.purpose(fieldPointer(parent, fl, at)), plain)}
		case fl != nil && fl.Type == "object":
			child, ok := v.(map[string]any)
			if !ok {
				out[k] = deepCopy(v)
				continue
			}
			sealed, err := f.sealObject(fl, child, ring, fieldPointer(parent, fl, at))
			if err != nil {
				return nil, err
			}
			out[k] = sealed
		case fl != nil && fl.Widget == "group":
			ptr := fieldPointer(parent, fl, at)
			sealed, err := eachRow(v, func(row map[string]any, i int) (any, error) {
				return f.sealObject(fl, row, ring, ptr+"/"+strconv.Itoa(i))
			})
			if err != nil {
				return nil, err
			}
			out[k] = sealed
		default:
			out[k] = deepCopy(v)
		}
	}
	return out, nil
}

// Open reverses Seal. A sealed value that does not open fails with the
// keyring error that says why (keyring.ErrInvalidSealed for a tampered or
// moved value, keyring.ErrUnknownKey, keyring.ErrKeyRetired); a PII field
// stored in clear (sealing was off) is passed through.
func (f *Form) Open(values map[string]any, ring *keyring.KeyRing) (map[string]any, error) {
	return f.openObject(f.root, values, ring, "")
}

func (f *Form) openObject(parent *Field, m map[string]any, ring *keyring.KeyRing, at string) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		fl := parent.names[k]
		if fl != nil && fl.PII != "" {
			if box, ok := v.(map[string]any); ok && len(box) == 1 {
				if s, ok := box[sealedKey].(string); ok {
					plain, err := ring.Open(f.purpose(fieldPointer(parent, fl, at)), s)
					if err != nil {
						return nil, fmt.Errorf("forms: open %s: %w", fl.Path, err)
					}
					val, err := decodeJSON(plain, f.limits.maxDepth)
					if err != nil {
						return nil, fmt.Errorf("forms: open %s: %w", fl.Path, keyring.ErrInvalidSealed)
					}
					out[k] = val
					continue
				}
			}
		}
		if fl != nil && fl.Type == "object" {
			if child, ok := v.(map[string]any); ok {
				opened, err := f.openObject(fl, child, ring, fieldPointer(parent, fl, at))
				if err != nil {
					return nil, err
				}
				out[k] = opened
				continue
			}
		}
		if fl != nil && fl.Widget == "group" {
			ptr := fieldPointer(parent, fl, at)
			opened, err := eachRow(v, func(row map[string]any, i int) (any, error) {
				return f.openObject(fl, row, ring, ptr+"/"+strconv.Itoa(i))
			})
			if err != nil {
				return nil, err
			}
			out[k] = opened
			continue
		}
		out[k] = deepCopy(v)
	}
	return out, nil
}

// purpose binds a sealed value to its form and field, so a ciphertext
// copied into another field, row or form does not open.
func (f *Form) purpose(pointer string) string {
	return "civickit/forms\x00" + f.id + "\x00" + pointer
}
