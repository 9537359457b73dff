package forms

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/civickit/civickit/adapters"
)

// ProblemTypeValidation is the RFC 9457 problem type of refused
// submissions.
const ProblemTypeValidation = "https://civickit.dev/problems/validation"

// problemTypeBase prefixes the code of every problem type but the
// internal one, which is about:blank.
const problemTypeBase = "https://civickit.dev/problems/"

// RetryAfterSeconds is the Retry-After WriteProblem sends with a 503:
// long enough for a busy SQLite lock or a PostgreSQL failover to clear.
const RetryAfterSeconds = 2

// Problem is an RFC 9457 problem details object.
type Problem struct {
	// Type, Title, Status, Detail and Instance are the RFC 9457 members.
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Code is a stable machine-readable code: validation, bad-request,
	// too-large, unsupported-media-type, unauthenticated, not-found,
	// conflict, duplicate, unavailable, internal, or for a 403 the
	// workflow's denial code (role-missing, assurance-too-low, ...).
	Code string `json:"code"`
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
	{"validation": "Your submission has problems", "bad-request": "The request cannot be read", "too-large": "The request is too large",
		"unsupported-media-type": "The request's format is not accepted", "not-found": "Not found",
		"conflict": "The record was changed by someone else", "duplicate": "This was already submitted",
		"denied": "You cannot do this", "unauthenticated": "Sign in to continue", "unavailable": "The service is busy, try again shortly", "internal": "Something went wrong"},
	{"validation": "Su envío tiene problemas", "bad-request": "No se puede leer la solicitud", "too-large": "La solicitud es demasiado grande",
		"unsupported-media-type": "No se acepta el formato de la solicitud", "not-found": "No encontrado",
		"conflict": "Otra persona cambió el registro", "duplicate": "Esto ya se envió",
		"denied": "No puede hacer esto", "unauthenticated": "Inicie sesión para continuar", "unavailable": "El servicio está ocupado, inténtelo de nuevo en breve", "internal": "Algo salió mal"},
}

// denial is what ProblemFor needs of a *workflow.DeniedError. It is
// declared here, on the consumer's side, so forms does not import
// workflow.
type denial interface {
	error
	DenialCode() string
}

// refusal is what ProblemFor needs of an *identity.AuthError, declared
// here for the same reason as denial.
type refusal interface {
	error
	Unauthenticated() bool
}

// ProblemFor turns any civickit error, wrapped or not, into problem
// details; it is the one place that maps SDK errors to HTTP answers:
//
//   - *ValidationError (also inside a payload denial) and DecodeForm
//     errors: 422 with the field errors, or 413 for a body too large,
//     415 for a Content-Type other than JSON or a form post, 400 for
//     unreadable input;
//   - an error with a DenialCode() string method (*workflow.DeniedError):
//     403, Code set to the denial code;
//   - an error with an Unauthenticated() bool method reporting true
//     (*identity.AuthError): 401, unless it wraps adapters.ErrUnavailable;
//   - adapters.ErrConflict and adapters.ErrDuplicate: 409;
//   - adapters.ErrNotFound: 404;
//   - ErrTooLarge or *http.MaxBytesError: 413; ErrUnsupportedMediaType:
//     415; other errors wrapping adapters.ErrInvalidArgument: 400;
//   - adapters.ErrUnavailable: 503 (WriteProblem adds Retry-After);
//   - anything else: 500 with no detail, so internal errors never reach
//     the client.
//
// Only the error's kind is used: no error text reaches the client.
func ProblemFor(err error, locale string) Problem {
	l := resolve(locale)
	titles := problemTitles[l.msg]
	plain := func(code string, status int) Problem {
		return Problem{Type: problemTypeBase + code, Title: titles[code], Status: status, Code: code}
	}
	var ve *ValidationError
	if err == nil || errors.As(err, &ve) && ve == nil {
		// no error, or an empty *ValidationError in an interface: a
		// caller's bug, answered without detail
		return Problem{Type: "about:blank", Title: titles["internal"], Status: http.StatusInternalServerError, Code: "internal"}
	}
	if ie := (*inputError)(nil); !errors.As(err, &ve) && errors.As(err, &ie) {
		// a form post DecodeForm could not read
		ml := l
		if ie.form != nil {
			ml = ie.form.lang(locale)
		}
		ve, _ = ie.form.inputFailure(ie, ml).(*ValidationError)
	}
	var d denial
	var rf refusal
	var mbe *http.MaxBytesError
	switch {
	case ve != nil:
		p := Problem{Type: ProblemTypeValidation, Title: titles["validation"], Status: http.StatusUnprocessableEntity, Code: "validation"}
		switch {
		case errors.Is(ve, ErrTooLarge):
			p.Status, p.Code = http.StatusRequestEntityTooLarge, "too-large"
		case errors.Is(ve, ErrUnsupportedMediaType):
			p.Status, p.Code = http.StatusUnsupportedMediaType, "unsupported-media-type"
		case ve.cause != nil:
			p.Status, p.Code = http.StatusBadRequest, "bad-request"
		}

		p.InvalidParams = make([]InvalidParam, 0, len(ve.Errors))
		for _, fe := range ve.Errors {
			p.InvalidParams = append(p.InvalidParams, InvalidParam{Name: fe.Field, Pointer: fe.Pointer, Code: fe.Code, Reason: fe.Message})
		}
		if len(ve.Errors) == 1 {
			p.Detail = ve.Errors[0].Message
		}
		return p
	case errors.As(err, &d):
		p := plain("denied", http.StatusForbidden)
		if c := d.DenialCode(); c != "" && len(c) <= 64 {
			p.Code = c
		}
		return p
	case errors.Is(err, adapters.ErrUnavailable):
		return plain("unavailable", http.StatusServiceUnavailable)
	case errors.As(err, &rf) && rf.Unauthenticated():
		return plain("unauthenticated", http.StatusUnauthorized)
	case errors.Is(err, adapters.ErrConflict):
		return plain("conflict", http.StatusConflict)
	case errors.Is(err, adapters.ErrDuplicate):
		return plain("duplicate", http.StatusConflict)
	case errors.Is(err, adapters.ErrNotFound):
		return plain("not-found", http.StatusNotFound)
	case errors.Is(err, ErrTooLarge), errors.As(err, &mbe):
		return plain("too-large", http.StatusRequestEntityTooLarge)
	case errors.Is(err, ErrUnsupportedMediaType):
		return plain("unsupported-media-type", http.StatusUnsupportedMediaType)
	case errors.Is(err, adapters.ErrInvalidArgument):
		// A post that cannot be decoded (bad UTF-8, an unknown step) is
		// the client's fault, not the server's.
		return plain("bad-request", http.StatusBadRequest)
	default:
		return Problem{Type: "about:blank", Title: titles["internal"], Status: http.StatusInternalServerError, Code: "internal"}
	}
}

// WriteProblem answers err as application/problem+json (see ProblemFor),
// never cached (Cache-Control: no-store), with Retry-After on a 503. Any handler may use it for any civickit
// error.
func WriteProblem(w http.ResponseWriter, err error, locale string) {
	p := ProblemFor(err, locale)
	body, _ := json.Marshal(p)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Language", resolve(locale).tag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if p.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	}
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}
