// Command formdemo serves one multi-step service form, a request for a
// bulk-item pickup, in a browser with the forms package: the definition
// is a JSON Schema file embedded in the program, each step is drawn with
// the forms Renderer, read and checked on POST with Form.ReadPost and drawn
// again with its error summary when something is wrong, in English or
// Spanish (Accept-Language, or ?lang=es). After the last step the program
// prints the validated submission as one line of JSON on standard output,
// where a real service would hand it to its case system, and shows a
// confirmation page with the personal fields redacted.
//
// Run it from the module root and open the address it prints:
//
//	go run ./examples/formdemo [-addr 127.0.0.1:8080]
//
// It listens on the loopback interface unless -addr says otherwise.
// The same address takes the whole document as JSON:
//
//	curl -H 'Accept: application/json' -H 'Content-Type: application/json' \
//	  -d '{"items":["mattress"]}' http://127.0.0.1:8080/
//
// answers a refused document with RFC 9457 application/problem+json and
// its "invalid-params".
//
// # Errors
//
// The program exits with status 1 when it cannot listen or the embedded
// definition does not load. Log lines (standard error) never carry
// submitted values.
//
// # Concurrency
//
// The handler serves requests concurrently; submissions are written to
// standard output one whole line at a time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "formdemo:", err)
		os.Exit(1)
	}
}

// run serves the form on addr until ctx ends. Submissions go to out; the
// log, which never holds submitted values, to logw.
func run(ctx context.Context, addr string, out, logw io.Writer) error {
	log := slog.New(slog.NewTextHandler(logw, nil))
	h, err := newServer(out, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	log.Info("listening", "url", "http://"+ln.Addr().String()+"/")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
