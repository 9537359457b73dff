package forms

import (
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The locales messages are written in; the first is the fallback.
var messageLocales = []language.Tag{language.English, language.Spanish}

var (
	matcher        = language.NewMatcher(messageLocales)
	englishPrinter = message.NewPrinter(language.English)
)

// lang is a resolved locale: the translation keys to try, best first, and
// the messages to use.
type lang struct {
	keys  []string
	msg   int       // index into messageLocales, pageTexts and problemTitles
	tag   string    // BCP 47 tag of the message locale, for lang attributes
	msgs  *Messages // the default messages
	bases []string  // the base languages the request names, best first
}

var (
	langCache sync.Map // string -> *lang
	langCount atomic.Int64
)

// maxCachedLocales bounds the cache: locale strings come from requests.
const maxCachedLocales = 512

// resolve parses an Accept-Language style string ("es-MX", "fr, es;q=0.8")
// once and caches the result.
func resolve(locale string) *lang {
	if l, ok := langCache.Load(locale); ok {
		return l.(*lang)
	}
	l := parseLocale(locale)
	if langCount.Load() < maxCachedLocales && len(locale) <= 64 {
		if _, loaded := langCache.LoadOrStore(locale, l); !loaded {
			langCount.Add(1)
		}
	}
	return l
}

func parseLocale(locale string) *lang {
	if len(locale) > 256 {
		locale = locale[:256]
	}
	tags, _, err := language.ParseAcceptLanguage(locale)
	l := &lang{tag: "en", msgs: builtinMessages[0]}
	if err != nil || len(tags) == 0 {
		l.keys = []string{"en"}
		return l
	}
	for _, t := range tags {
		k := strings.ToLower(t.String())
		l.keys = appendNew(l.keys, k)
		if b, conf := t.Base(); conf != language.No {
			l.keys = appendNew(l.keys, b.String())
			l.bases = appendNew(l.bases, b.String())
		}
	}
	_, idx, conf := matcher.Match(tags...)
	if conf != language.No {
		l.msg = idx
		l.tag = messageLocales[idx].String()
		l.msgs = builtinMessages[idx]
	}
	// Labels fall back to the language the messages are in, so a page in
	// English shows English option labels rather than raw values.
	l.keys = appendNew(l.keys, l.tag)
	return l
}

func appendNew(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// text returns the translation for the locale, or def.
func (l *lang) text(def string, m map[string]string) string {
	if len(m) == 0 {
		return def
	}
	for _, k := range l.keys {
		if s, ok := m[k]; ok {
			return s
		}
	}
	return def
}

// pick returns the translation of def in m for the locale string.
func pick(def string, m map[string]string, locale string) string {
	if len(m) == 0 {
		return def
	}
	return resolve(locale).text(def, m)
}
