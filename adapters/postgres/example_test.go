package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civickit/civickit/adapters"
	"github.com/civickit/civickit/adapters/postgres"
)

// A store on the application's pool, and a case opened inside the
// application's own transaction: it commits or rolls back with the
// application's rows.
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

	now := time.Now()
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE permits_counter SET n = n + 1"); err != nil {
			return err
		}
		_, err := store.WithTx(tx).CreateCase(ctx, adapters.CreateCaseParams{
			Case:   adapters.Case{ID: "permit-1", Type: "building-permit", State: "submitted", CreatedAt: now},
			Events: []adapters.Event{{Kind: "opened", ToState: "submitted", Actor: "resident-1", At: now}},
		})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := store.GetCase(ctx, "permit-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.State, c.Version)
}
