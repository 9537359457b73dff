package workflow

import (
	"fmt"
	"strings"
)

// edge is one arrow of a graph.
type edge struct{ from, to, label string }

func (w *Workflow) edges() []edge {
	var out []edge
	for _, t := range w.def.Transitions {
		label := t.Trigger
		if len(t.Guards) > 0 {
			label += " [" + strings.Join(t.Guards, ", ") + "]"
		}
		for _, from := range t.From {
			switch {
			case t.Internal:
				out = append(out, edge{from, from, label + " (internal)"})
			case t.Selector != "":
				for _, dst := range t.Destinations {
					out = append(out, edge{from, dst, label + " ⟨" + t.Selector + "⟩"})
				}
			default:
				out = append(out, edge{from, t.To, label})
			}
		}
	}
	return out
}

func (w *Workflow) children(parent string) []*State {
	var out []*State
	for i := range w.def.States {
		if w.def.States[i].Parent == parent {
			out = append(out, &w.def.States[i])
		}
	}
	return out
}

var mermaidEscaper = strings.NewReplacer(
	"#", "#35;", `"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;",
	";", "#59;", ":", "#58;", "\n", " ", "\r", " ", "{", "#123;", "}", "#125;",
)

func mermaidID(name string) string { return strings.ReplaceAll(name, "-", "_") }

// Mermaid renders the workflow as a Mermaid stateDiagram-v2: substates
// nest in their parents, closed terminal states lead to the end marker and
// open ones are styled apart. Titles are escaped.
func (w *Workflow) Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %s\n", mermaidID(w.def.Initial))
	for _, s := range w.def.States {
		if s.Title != "" {
			fmt.Fprintf(&b, "    state \"%s\" as %s\n", mermaidEscaper.Replace(s.Title), mermaidID(s.Name))
		}
	}
	var nest func(parent string, indent string)
	nest = func(parent, indent string) {
		for _, s := range w.children(parent) {
			kids := w.children(s.Name)
			if len(kids) == 0 {
				if parent != "" {
					fmt.Fprintf(&b, "%s%s\n", indent, mermaidID(s.Name))
				}
				continue
			}
			fmt.Fprintf(&b, "%sstate %s {\n", indent, mermaidID(s.Name))
			if s.Initial != "" {
				fmt.Fprintf(&b, "%s    [*] --> %s\n", indent, mermaidID(s.Initial))
			}
			nest(s.Name, indent+"    ")
			fmt.Fprintf(&b, "%s}\n", indent)
		}
	}
	nest("", "    ")
	for _, e := range w.edges() {
		fmt.Fprintf(&b, "    %s --> %s : %s\n", mermaidID(e.from), mermaidID(e.to), mermaidEscaper.Replace(e.label))
	}
	var open []string
	for _, s := range w.def.States {
		switch s.Terminal {
		case TerminalClosed:
			fmt.Fprintf(&b, "    %s --> [*]\n", mermaidID(s.Name))
		case TerminalOpen:
			open = append(open, mermaidID(s.Name))
		}
	}
	if len(open) > 0 {
		b.WriteString("    classDef terminalOpen stroke-dasharray: 5 5\n")
		fmt.Fprintf(&b, "    class %s terminalOpen\n", strings.Join(open, ","))
	}
	return b.String()
}

var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")

func dotQuote(s string) string { return `"` + dotEscaper.Replace(s) + `"` }

// DOT renders the workflow as a Graphviz digraph: substates sit in a
// cluster with their parent, terminal states have a double border (closed)
// or a dashed one (open). Labels are escaped.
func (w *Workflow) DOT() string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(fmt.Sprintf("%s v%d", w.def.Type, w.def.Version)))
	b.WriteString("    rankdir=LR;\n    node [shape=box, style=rounded];\n")
	b.WriteString("    \"__start\" [shape=point, label=\"\"];\n")
	node := func(s *State, indent string) {
		label := s.Name
		if s.Title != "" {
			label = s.Title
		}
		attrs := "label=" + dotQuote(label)
		switch s.Terminal {
		case TerminalClosed:
			attrs += ", peripheries=2"
		case TerminalOpen:
			attrs += `, style="rounded,dashed"`
		}
		fmt.Fprintf(&b, "%s%s [%s];\n", indent, dotQuote(s.Name), attrs)
	}
	var nest func(parent, indent string)
	nest = func(parent, indent string) {
		for _, s := range w.children(parent) {
			if len(w.children(s.Name)) == 0 {
				node(s, indent)
				continue
			}
			fmt.Fprintf(&b, "%ssubgraph %s {\n", indent, dotQuote("cluster_"+s.Name))
			fmt.Fprintf(&b, "%s    label=%s;\n", indent, dotQuote(s.Name))
			node(s, indent+"    ")
			nest(s.Name, indent+"    ")
			fmt.Fprintf(&b, "%s}\n", indent)
		}
	}
	nest("", "    ")
	fmt.Fprintf(&b, "    \"__start\" -> %s;\n", dotQuote(w.def.Initial))
	for _, e := range w.edges() {
		fmt.Fprintf(&b, "    %s -> %s [label=%s];\n", dotQuote(e.from), dotQuote(e.to), dotQuote(e.label))
	}
	b.WriteString("}\n")
	return b.String()
}
