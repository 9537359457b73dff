package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civickit/civickit/adapters/postgres"
	"github.com/civickit/civickit/workflow"
)

// A store on the application's pool, and a case opened through the
// workflow engine inside the application's own transaction: the case, its
// first event, its notification and its SLA timer commit or roll back with
// the application's rows.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	// New applies the embedded migrations to the "civickit" schema.
	store, err := postgres.New(ctx, pool, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	b := workflow.NewBuilder("building-permit", 1).Initial("submitted")
	b.State("submitted").Team("permits").SLA(workflow.BusinessDays(5), "").Notify("permit-received", workflow.ToSubmitter)
	b.State("issued").Terminal(workflow.TerminalClosed)
	b.Permit("issue", "issued", "submitted").Roles("clerk")
	def, err := b.Build()
	if err != nil {
		log.Fatal(err)
	}
	w, err := workflow.Compile(def, nil)
	if err != nil {
		log.Fatal(err)
	}
	engine, err := workflow.New(store, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := engine.Register(w); err != nil {
		log.Fatal(err)
	}

	resident := workflow.Actor{Subject: "resident-1", Assurance: workflow.AssuranceLow}
	var opened string
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE permits_counter SET n = n + 1"); err != nil {
			return err
		}
		// One engine view per transaction; the workflows stay registered
		// on engine.
		c, err := engine.WithStore(store.WithTx(tx)).Open(ctx, workflow.OpenParams{Type: "building-permit", Actor: resident})
		opened = c.ID
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := store.GetCase(ctx, opened)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.State, c.Version)
}
