package forms

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/civickit/civickit/adapters"
)

// ProblemTypeValidation is the RFC 9457 problem type of refused
// submissions.
const ProblemTypeValidation = "https://civickit.dev/problems/validation"

// Problem is an RFC 9457 problem details object.
type Problem struct {
	// Type, Title, Status, Detail and Instance are the RFC 9457 members.
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// InvalidParams lists the field errors of a refused submission.
	InvalidParams []InvalidParam `json:"invalid-params,omitempty"`
}

// InvalidParam is one entry of a problem's invalid-params list.
type InvalidParam struct {
	// Name is the dotted field path, the HTML input name.
	Name string `json:"name"`
	// Pointer is the RFC 6901 pointer of the value.
	Pointer string `json:"pointer"`
	// Code is the FieldError's stable code.
	Code string `json:"code"`
	// Reason is the localized message.
	Reason string `json:"reason"`
}

var problemTitles = []map[string]string{
	{"validation": "Your submission has problems", "badRequest": "The request cannot be read", "notFound": "Not found", "internal": "Something went wrong"},
	{"validation": "Su envío tiene problemas", "badRequest": "No se puede leer la solicitud", "notFound": "No encontrado", "internal": "Algo salió mal"},
}

// ProblemFor turns an error into problem details. A *ValidationError
// becomes 422 (413 for a body too large, 415 for a Content-Type other
// than JSON or a form post, 400 for unreadable input) with its field
// errors, and so does a DecodeForm error; other errors wrapping
// adapters.ErrInvalidArgument (an unknown step) become 400, or 413 when
// too large; adapters.ErrNotFound becomes 404; anything else 500
// with no detail, so internal errors never reach the client.
func ProblemFor(err error, locale string) Problem {
	l := resolve(locale)
	titles := problemTitles[l.msg]
	var ve *ValidationError
	if ie := (*inputError)(nil); !errors.As(err, &ve) && errors.As(err, &ie) {
		// a form post DecodeForm could not read
		ve, _ = (*Form)(nil).inputFailure(ie, l).(*ValidationError)
	}
	switch {
	case ve != nil:
		p := Problem{Type: ProblemTypeValidation, Title: titles["validation"], Status: http.StatusUnprocessableEntity}
		switch {
		case errors.Is(ve, ErrTooLarge):
			p.Status = http.StatusRequestEntityTooLarge
		case errors.Is(ve, ErrUnsupportedMediaType):
			p.Status = http.StatusUnsupportedMediaType
		case ve.cause != nil:
			p.Status = http.StatusBadRequest
		}
		p.InvalidParams = make([]InvalidParam, 0, len(ve.Errors))
		for _, fe := range ve.Errors {
			p.InvalidParams = append(p.InvalidParams, InvalidParam{Name: fe.Field, Pointer: fe.Pointer, Code: fe.Code, Reason: fe.Message})
		}
		if len(ve.Errors) == 1 {
			p.Detail = ve.Errors[0].Message
		}
		return p
	case errors.Is(err, adapters.ErrNotFound):
		return Problem{Type: "about:blank", Title: titles["notFound"], Status: http.StatusNotFound}
	case errors.Is(err, ErrTooLarge):
		return Problem{Type: "about:blank", Title: titles["badRequest"], Status: http.StatusRequestEntityTooLarge}
	case errors.Is(err, adapters.ErrInvalidArgument):
		// A post that cannot be decoded (bad UTF-8, an unknown step) is
		// the client's fault, not the server's.
		return Problem{Type: "about:blank", Title: titles["badRequest"], Status: http.StatusBadRequest}
	default:
		return Problem{Type: "about:blank", Title: titles["internal"], Status: http.StatusInternalServerError}
	}
}

// WriteProblem answers err as application/problem+json (see ProblemFor).
func WriteProblem(w http.ResponseWriter, err error, locale string) {
	p := ProblemFor(err, locale)
	body, _ := json.Marshal(p)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Language", resolve(locale).tag)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}
