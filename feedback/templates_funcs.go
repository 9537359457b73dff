package feedback

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// funcs returns the template functions of one locale.
func (l *loader) funcs(locale string) map[string]any {
	tag, _ := language.Parse(locale)
	loc, format := l.loc, l.cfg.FormatDate
	if format == nil {
		format = formatDate
	}
	date := func(withTime bool) func(v any) (string, error) {
		return func(v any) (string, error) {
			s := text(v)
			if s == "" {
				return "", nil
			}
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				return format(t.In(loc), locale, withTime), nil
			}
			// a calendar date names a day, in no time zone
			if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
				return format(t, locale, false), nil
			}
			// the value stays out of the error, which may be logged
			return "", errors.New("a value that is not an RFC 3339 time or a YYYY-MM-DD date")
		}
	}
	return map[string]any{
		"date":     date(false),
		"datetime": date(true),
		// a Caser holds state, so each call makes its own
		"upper": func(v any) string { return cases.Upper(tag).String(text(v)) },
		"lower": func(v any) string { return cases.Lower(tag).String(text(v)) },
	}
}

// text is the string form of a data value.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

var monthsES = [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}

// formatDate is the built-in date format: English and Spanish long
// dates, ISO 8601 for other languages.
func formatDate(t time.Time, locale string, withTime bool) string {
	lang, _, _ := strings.Cut(locale, "-")
	switch lang {
	case "en":
		if withTime {
			return t.Format("January 2, 2006, 3:04 PM MST")
		}
		return t.Format("January 2, 2006")
	case "es":
		d := fmt.Sprintf("%d de %s de %d", t.Day(), monthsES[t.Month()-1], t.Year())
		if withTime {
			return d + ", " + t.Format("15:04 MST")
		}
		return d
	default:
		if withTime {
			return t.Format("2006-01-02 15:04 MST")
		}
		return t.Format(time.DateOnly)
	}
}
