package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
)

// A JSON client posts the whole document at once; the validated document
// is written to the program's output, and a refused one is answered with
// problem details.
func Example_jsonSubmission() {
	h, _ := newServer(os.Stdout, slog.New(slog.NewTextHandler(io.Discard, nil)))
	post := func(doc string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(doc))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("Content-Type"))
	}
	post(`{"items": ["mattress"], "itemCount": 1, "refrigerant": false, "street": "1 Main St",
	       "postalCode": "12345", "placement": "curb", "name": "Bo Li", "email": "bo@example.org"}`)
	post(`{"items": ["mattress"]}`)
	// Output:
	// {"email":"bo@example.org","itemCount":1,"items":["mattress"],"name":"Bo Li","placement":"curb","postalCode":"12345","refrigerant":false,"street":"1 Main St"}
	// 200 application/json
	// 422 application/problem+json
}
