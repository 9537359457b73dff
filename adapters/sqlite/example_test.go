package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/sqlite"
)

// A store on a file: a case is opened with its first event, moved with
// optimistic concurrency, and its audit trail read back.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "civickit-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	store, err := sqlite.Open(ctx, filepath.Join(dir, "cityhall.db"), nil)
	if err != nil {
		panic(err)
	}
	defer store.Close()

	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	c, err := store.CreateCase(ctx, adapters.CreateCaseParams{
		Case:   adapters.Case{ID: "case-1", Type: "pothole", State: "submitted", Channel: "web", CreatedAt: now},
		Events: []adapters.Event{{Kind: "opened", ToState: "submitted", Actor: "resident-42", At: now}},
	})
	if err != nil {
		panic(err)
	}
	move := adapters.TransitionParams{
		CaseID: c.ID, ExpectedVersion: c.Version, State: "in-review", At: now.Add(time.Hour),
		Events: []adapters.Event{{Kind: "transition", FromState: "submitted", ToState: "in-review", Trigger: "review", Actor: "staff-7", At: now.Add(time.Hour)}},
	}
	res, err := store.ApplyTransition(ctx, move)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Case.State, res.Case.Version)

	_, err = store.ApplyTransition(ctx, move) // still expects version 1
	fmt.Println(errors.Is(err, adapters.ErrConflict))

	events, err := store.ListEvents(ctx, "case-1")
	if err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Println(e.Seq, e.Kind, e.ToState, e.Actor)
	}
	// Output:
	// in-review 2
	// true
	// 1 opened submitted resident-42
	// 2 transition in-review staff-7
}

// An application that keeps its own tables in the same file opens the
// *sql.DB itself; the store leaves it open on Close.
func ExampleNew() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "civickit-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	dsn, err := sqlite.DSN(filepath.Join(dir, "app.db"), 5*time.Second)
	if err != nil {
		panic(err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		panic(err)
	}
	defer db.Close()

	store, err := sqlite.New(ctx, db, nil)
	if err != nil {
		panic(err)
	}
	if err := store.Close(); err != nil {
		panic(err)
	}
	var applied int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&applied); err != nil {
		panic(err)
	}
	fmt.Println(applied > 0, db.PingContext(ctx))
	// Output:
	// true <nil>
}
