package feedback

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"github.com/civickit/civickit/adapters"
)

// maxSurveyFormBytes bounds a survey post: the token, a rating, a yes or
// no and a comment, with room for percent-encoding.
const maxSurveyFormBytes = 16 << 10

// surveyPage is the survey's one template: the form, and the pages that
// answer it. html/template escapes every value.
var surveyPage = template.Must(template.New("survey").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{if .Message}}<p{{if .Error}} role="alert"{{end}}>{{.Message}}</p>{{end}}
{{if .Form}}<form method="post">
<input type="hidden" name="t" value="{{.Token}}">
<fieldset{{if eq .Field "rating"}} aria-invalid="true" aria-describedby="rating-error"{{end}}>
<legend>How satisfied are you with how your request was handled? (1 = very dissatisfied, 5 = very satisfied)</legend>
{{if eq .Field "rating"}}<p id="rating-error">{{.Reason}}</p>{{end}}
{{range .Ratings}}<input type="radio" id="rating-{{.}}" name="rating" value="{{.}}" required{{if eq . $.Rating}} checked{{end}}>
<label for="rating-{{.}}">{{.}}</label>
{{end}}</fieldset>
<fieldset>
<legend>Was your issue resolved?</legend>
<input type="radio" id="resolved-yes" name="resolved" value="yes"{{if eq .Resolved "yes"}} checked{{end}}>
<label for="resolved-yes">Yes</label>
<input type="radio" id="resolved-no" name="resolved" value="no"{{if eq .Resolved "no"}} checked{{end}}>
<label for="resolved-no">No</label>
</fieldset>
<p>
<label for="comment">Anything else you want to tell us? (optional)</label>
{{if eq .Field "comment"}}<span id="comment-error">{{.Reason}}</span>{{end}}
<textarea id="comment" name="comment" rows="5" cols="60" maxlength="{{.MaxComment}}"{{if eq .Field "comment"}} aria-invalid="true" aria-describedby="comment-error"{{end}}>{{.Comment}}</textarea>
</p>
<button type="submit">Send</button>
</form>{{end}}
</main>
</body>
</html>
`))

type surveyView struct {
	Title, Message string
	Error, Form    bool
	Token          string
	Ratings        []int
	Rating         int
	Resolved       string
	Comment        string
	Field, Reason  string
	MaxComment     int
}

// Handler serves the survey form at SurveysConfig.BaseURL. GET with a
// link's "t" shows an accessible form (a 1 to 5 rating and "was your
// issue resolved?" as radio groups with legends, an optional comment);
// POST records the answer and thanks the resident. The token travels in
// the form, so the post needs no other CSRF defence, and an answer is
// recorded once: a second post says the survey was answered. A link that
// does not open gets a 404 page; bodies above 16 KiB are refused.
func (s *Surveys) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Surveys) serve(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		inv, err := s.open(r.URL.Query().Get("t"))
		if err != nil {
			s.render(w, http.StatusNotFound, surveyView{Title: "Survey not found", Message: "This survey link is not valid or has expired.", Error: true})
			return
		}
		done, err := s.answered(r.Context(), inv)
		switch {
		case err != nil:
			s.render(w, http.StatusServiceUnavailable, surveyView{Title: "Survey unavailable", Message: "Please try again later.", Error: true})
		case done:
			s.render(w, http.StatusOK, surveyView{Title: "Thank you", Message: "You have already answered this survey."})
		default:
			s.render(w, http.StatusOK, s.form(r.URL.Query().Get("t"), Answer{}, "", nil))
		}
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, maxSurveyFormBytes)
		if err := r.ParseForm(); err != nil {
			s.render(w, http.StatusRequestEntityTooLarge, surveyView{Title: "Survey not sent", Message: "The answer is too long.", Error: true})
			return
		}
		token := r.PostForm.Get("t")
		a := Answer{Comment: r.PostForm.Get("comment")}
		a.Rating, _ = strconv.Atoi(r.PostForm.Get("rating"))
		resolved := r.PostForm.Get("resolved")
		switch resolved {
		case "yes", "no":
			b := resolved == "yes"
			a.Resolved = &b
		default:
			resolved = ""
		}
		err := s.Respond(r.Context(), token, a)
		var ae *AnswerError
		switch {
		case err == nil:
			s.render(w, http.StatusOK, surveyView{Title: "Thank you", Message: "Your answer has been recorded. It helps us improve our services."})
		case errors.Is(err, ErrInvalidToken):
			s.render(w, http.StatusNotFound, surveyView{Title: "Survey not found", Message: "This survey link is not valid or has expired.", Error: true})
		case errors.Is(err, ErrAlreadyAnswered):
			s.render(w, http.StatusConflict, surveyView{Title: "Thank you", Message: "You have already answered this survey."})
		case errors.As(err, &ae):
			s.render(w, http.StatusUnprocessableEntity, s.form(token, a, resolved, ae))
		default:
			s.render(w, http.StatusServiceUnavailable, surveyView{Title: "Survey not sent", Message: "Please try again later.", Error: true})
		}
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	}
}

func (s *Surveys) form(token string, a Answer, resolved string, ae *AnswerError) surveyView {
	v := surveyView{
		Title: "How did we do?", Form: true, Token: token, Rating: a.Rating, Resolved: resolved, Comment: a.Comment,
		MaxComment: adapters.MaxSurveyCommentBytes,
	}
	for i := adapters.MinRating; i <= adapters.MaxRating; i++ {
		v.Ratings = append(v.Ratings, i)
	}
	if ae != nil {
		v.Field, v.Reason, v.Error = ae.Field, ae.Reason, true
		v.Message = "Please correct the answer below."
	}
	return v
}

// render writes a page. The token is in the page and may be in the URL,
// so no referrer leaves it and no cache keeps it.
func (s *Surveys) render(w http.ResponseWriter, status int, v surveyView) {
	var buf bytes.Buffer
	if err := surveyPage.Execute(&buf, v); err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
