package forms

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// uswdsVersion is the vendored U.S. Web Design System release.
const uswdsVersion = "3.14.0"

//go:embed assets/uswds-3.14.0 assets/civickit
var assetFiles embed.FS

// USWDSStylesheet is the stylesheet's path below the folder Assets is
// mounted at; the page shell links AssetsPath + USWDSStylesheet.
const USWDSStylesheet = "uswds-" + uswdsVersion + "/css/uswds.min.css"

// RTLStylesheet is the path below Assets of civickit's small stylesheet
// that mirrors, on pages with dir="rtl", the design system's rules that
// use physical left and right; the shell links it after USWDSStylesheet
// on right-to-left pages.
const RTLStylesheet = "civickit/rtl.css"

// Assets serves the vendored U.S. Web Design System stylesheet, fonts and
// images that the page shell links, and RTLStylesheet. Mount it with its prefix stripped at
// the path named by Site.AssetsPath:
//
//	mux.Handle("/assets/", http.StripPrefix("/assets/", forms.Assets()))
//
// Answers are cached for a year as immutable: the design system's files
// carry their version in their path. Folders are not listed.
func Assets() http.Handler {
	sub, err := fs.Sub(assetFiles, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "/") || path.Ext(name) == "" {
			http.NotFound(w, r)
			return
		}
		f, err := sub.Open(strings.TrimPrefix(name, "/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		_ = f.Close()
		h := w.Header()
		if ct := assetType(name); ct != "" {
			h.Set("Content-Type", ct)
		}
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// assetType names the content type of the vendored files, not leaving
// fonts and SVG to the platform's MIME table.
func assetType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".woff2":
		return "font/woff2"
	case ".svg":
		return "image/svg+xml"
	case ".jpg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	}
	return mime.TypeByExtension(path.Ext(name))
}
