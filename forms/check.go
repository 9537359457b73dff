package forms

import (
	"fmt"
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// check runs the load-time checks of steps and conditional branches,
// recording every problem. Step reachability is checked only when the
// steps themselves are sound, so one mistake is not reported twice.
func (b *builder) check() {
	b.checkConsts(b.form.root)
	b.checkObject(b.form.root)
	b.checkMessages()
	if len(b.problems) > 0 {
		return
	}
	for _, st := range b.form.steps {
		reachable := false
		for _, fl := range st.Fields {
			if b.canShow(fl) {
				reachable = true
				break
			}
		}
		if !reachable {
			b.fail(fmt.Sprintf("/x-form/steps/%d", st.Index),
				fmt.Sprintf("step %q can never be reached: it has no field a resident can ever see", st.ID))
		}
	}
}

func (b *builder) checkObject(obj *Field) {
	s := rowsOrObject(obj)
	for _, name := range s.Required {
		fl := obj.names[name]
		switch {
		case fl == nil && !b.form.allow:
			b.fail(fragment(s)+"/required", fmt.Sprintf("required field %q is never shown: no properties declare it", name))
		case fl != nil && fl.Conditional:
			b.fail(fragment(s)+"/required", fmt.Sprintf("required field %q is hidden whenever its condition fails; require it inside the branch that shows it", name))
		}
	}
	// a branch that requires a field must also show it
	for _, br := range append([]*jsonschema.Schema{s}, s.AllOf...) {
		br = deref(br)
		if br.If == nil {
			continue
		}
		for _, arm := range []struct {
			sch  *jsonschema.Schema
			want bool
		}{{br.Then, true}, {br.Else, false}} {
			if arm.sch == nil {
				continue
			}
			arm.sch = deref(arm.sch)
			for _, name := range arm.sch.Required {
				fl := obj.names[name]
				if fl == nil || !fl.Conditional {
					continue
				}
				if !slices.ContainsFunc(fl.conds, func(c condition) bool { return c.ifs == br.If && c.want == arm.want }) {
					b.fail(fragment(arm.sch)+"/required", fmt.Sprintf("required field %q is hidden in the branch that requires it", name))
				}
			}
		}
	}
	for _, fl := range obj.Fields {
		if fl.Required && !b.canShow(fl) {
			b.fail(fragment(fl.schema), fmt.Sprintf("required field %q is hidden by every branch", fl.Path))
		} else if fl.Conditional && !b.canShow(fl) {
			b.fail(fragment(fl.schema), fmt.Sprintf("field %q is hidden by every branch: its conditions can never hold", fl.Path))
		}
		if fl.Type == "object" || fl.Widget == "group" {
			b.checkObject(fl)
		}
	}
}

// canShow reports whether some submission shows the field.
func (b *builder) canShow(fl *Field) bool {
	if !fl.Conditional {
		return true
	}
	for _, c := range fl.conds {
		if satisfiable(c) {
			return true
		}
	}
	return false
}

// satisfiable decides boolean conditions; anything else counts as
// satisfiable, so only certain dead branches fail a load (checkConsts
// refuses the other common dead shape).
func satisfiable(c condition) bool {
	if c.ifs.Bool != nil {
		return *c.ifs.Bool == c.want
	}
	return true
}

// checkConsts marks as unsatisfiable an if that demands a const value its
// property can never take; run after the field tree exists.
func (b *builder) checkConsts(obj *Field) {
	s := rowsOrObject(obj)
	for _, br := range append([]*jsonschema.Schema{s}, s.AllOf...) {
		br = deref(br)
		if br.If == nil {
			continue
		}
		for name, ps := range br.If.Properties {
			if !slices.Contains(br.If.Required, name) {
				continue
			}
			fl := obj.names[name]
			if fl == nil {
				b.fail(fragment(br.If)+"/properties/"+name, fmt.Sprintf("condition tests %q, which is not a field here", name))
				continue
			}
			var candidates []any
			switch {
			case ps.Const != nil:
				candidates = []any{*ps.Const}
			case ps.Enum != nil:
				candidates = ps.Enum.Values
			default:
				continue
			}
			ok := false
			for _, v := range candidates {
				if fl.schema.Validate(v) == nil {
					ok = true
					break
				}
			}
			if !ok {
				b.fail(fragment(ps), fmt.Sprintf("condition can never hold: %q never takes the value it tests for", name))
			}
		}
	}
	for _, fl := range obj.Fields {
		if fl.Type == "object" || fl.Widget == "group" {
			b.checkConsts(fl)
		}
	}
}

// checkMessages makes a form translated into any language give its
// error names and messages in each of them too, so a page never mixes a
// name in one language into a sentence in another. A form's languages
// are the locales of its x-title, x-description and x-options texts.
func (b *builder) checkMessages() {
	f := b.form
	langs := map[string]bool{}
	add := func(m map[string]string) {
		for k := range m {
			langs[k] = true
		}
	}
	add(f.titles)
	add(f.descs)
	for _, st := range f.steps {
		add(st.titles)
	}
	for _, fl := range f.ordered {
		add(fl.titles)
		add(fl.descs)
		for _, o := range fl.Options {
			add(o.label)
		}
	}
	if len(langs) == 0 {
		return
	}
	want := make([]string, 0, len(langs))
	for k := range langs {
		want = append(want, k)
	}
	slices.Sort(want)
	need := func(ptr, what string, t localText) {
		var missing []string
		for _, k := range want {
			if _, ok := t.m[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			b.fail(ptr, fmt.Sprintf("%s has no text in %v; the form is written in %v, so give it per locale", what, missing, want))
		}
	}
	for _, fl := range f.ordered {
		ptr := fragment(fl.schema)
		if fl.errName.def != "" || fl.errName.m != nil {
			need(ptr+"/x-errorName", fmt.Sprintf("x-errorName of %q", fl.Path), fl.errName)
		}
		codes := make([]string, 0, len(fl.messages))
		for code := range fl.messages {
			codes = append(codes, code)
		}
		slices.Sort(codes)
		for _, code := range codes {
			need(ptr+"/x-messages/"+code, fmt.Sprintf("x-messages %s of %q", code, fl.Path), fl.messages[code])
		}
	}
}
