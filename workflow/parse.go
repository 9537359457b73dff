package workflow

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/civickit/civickit/adapters"
)

// MaxDefinitionBytes bounds a definition document.
const MaxDefinitionBytes = 1 << 20

//go:embed schema/definition.schema.json
var schemaFS embed.FS

// DefinitionSchema returns the JSON Schema (2020-12) that definition
// documents are checked against, for editors and other tools. Each call
// returns a fresh copy.
func DefinitionSchema() []byte {
	b, err := schemaFS.ReadFile("schema/definition.schema.json")
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

const schemaURL = "https://civickit.dev/schema/workflow-definition.json"

var definitionSchema = func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(DefinitionSchema()))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		panic(err)
	}
	return c.MustCompile(schemaURL)
}()

// Problem is one reason a definition is rejected.
type Problem struct {
	// Pointer is the JSON Pointer (RFC 6901) of the offending value in the
	// definition document, "" for the whole document.
	Pointer string
	// Message says what is wrong.
	Message string
}

// DefinitionError lists every problem found in a definition. It wraps
// adapters.ErrInvalidArgument.
type DefinitionError struct {
	// Type and Version identify the definition, when known.
	Type    string
	Version int
	// Problems in document order.
	Problems []Problem
}

// maxProblemsInText bounds how many problems DefinitionError.Error
// lists, so a hostile or generated document cannot grow a log line
// without limit; Problems keeps them all.
const maxProblemsInText = 50

// Error implements error. It lists the first 50 problems and counts the
// rest.
func (e *DefinitionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "workflow: definition %q v%d is invalid:", e.Type, e.Version)
	for i, p := range e.Problems {
		if i == maxProblemsInText {
			fmt.Fprintf(&b, " and %d more;", len(e.Problems)-i)
			break
		}
		ptr := p.Pointer
		if ptr == "" {
			ptr = "/"
		}
		fmt.Fprintf(&b, " %s: %s;", ptr, p.Message)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Unwrap returns adapters.ErrInvalidArgument.
func (e *DefinitionError) Unwrap() error { return adapters.ErrInvalidArgument }

var printer = message.NewPrinter(language.English)

func leafProblems(ve *jsonschema.ValidationError, out []Problem) []Problem {
	if len(ve.Causes) == 0 {
		ptr := ""
		for _, tok := range ve.InstanceLocation {
			ptr += "/" + strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
		}
		return append(out, Problem{Pointer: ptr, Message: ve.ErrorKind.LocalizedString(printer)})
	}
	for _, c := range ve.Causes {
		out = leafProblems(c, out)
	}
	return out
}

// ParseDefinition reads a definition document: it checks it against the
// package's JSON Schema (DefinitionSchema), decodes it and checks the rules the
// schema cannot express (see Definition.Validate). A rejected document
// returns a *DefinitionError whose problems carry JSON Pointers.
func ParseDefinition(data []byte) (*Definition, error) {
	if len(data) > MaxDefinitionBytes {
		return nil, &DefinitionError{Problems: []Problem{{Message: fmt.Sprintf("document is larger than %d bytes", MaxDefinitionBytes)}}}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, &DefinitionError{Problems: []Problem{{Message: "not valid JSON: " + err.Error()}}}
	}
	if err := definitionSchema.Validate(doc); err != nil {
		de := &DefinitionError{}
		if m, ok := doc.(map[string]any); ok {
			de.Type, _ = m["type"].(string)
			if v, ok := m["version"].(json.Number); ok {
				n, _ := v.Int64()
				de.Version = int(n)
			}
		}
		if ve, ok := err.(*jsonschema.ValidationError); ok {
			de.Problems = leafProblems(ve, nil)
			sort.SliceStable(de.Problems, func(i, j int) bool { return de.Problems[i].Pointer < de.Problems[j].Pointer })
		} else {
			de.Problems = []Problem{{Message: err.Error()}}
		}
		return nil, de
	}
	var d Definition
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, &DefinitionError{Problems: []Problem{{Message: err.Error()}}}
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// MarshalIndent returns the definition as an indented JSON document that
// ParseDefinition reads back to an equal value.
func (d *Definition) MarshalIndent() ([]byte, error) {
	return json.MarshalIndent(d, "", "  ")
}
