package postgres

import (
	"context"
	"io/fs"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

func TestMigrationsAreEmbeddedInVersionOrder(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(Migrations(), "*.up.sql")
	require.NoError(t, err)
	assert.Contains(t, names, "001_initial.up.sql")
	ms, err := loadMigrations(Migrations())
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	assert.Equal(t, 1, ms[0].version, "migrations start at version 1")
	for i, m := range ms {
		if i > 0 {
			// Versions may skip a number: changes prepared side by side
			// take their numbers before they land.
			assert.Greater(t, m.version, ms[i-1].version, "migration versions increase")
		}
		assert.NotEmpty(t, m.sql)
	}
}

func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	t.Parallel()
	file := &fstest.MapFile{Data: []byte("SELECT 1")}
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		wantErr bool
	}{
		{"Sorted", fstest.MapFS{"002_b.up.sql": file, "001_a.up.sql": file, "README": file}, false},
		{"NoName", fstest.MapFS{"001.up.sql": file}, true},
		{"NotANumber", fstest.MapFS{"abc_x.up.sql": file}, true},
		{"VersionZero", fstest.MapFS{"000_x.up.sql": file}, true},
		{"SameVersionTwice", fstest.MapFS{"001_a.up.sql": file, "1_b.up.sql": file}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms, err := loadMigrations(tt.fsys)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Len(t, ms, 2)
			assert.Equal(t, []int{1, 2}, []int{ms[0].version, ms[1].version})
			assert.Equal(t, "a", ms[0].name)
		})
	}
}

// Several processes starting at once on a fresh schema: all succeed and
// each migration is applied exactly once.
func TestConcurrentNewAppliesMigrationsOnce(t *testing.T) {
	t.Parallel()
	pool := testPool(t)
	schema := testSchema(t, pool)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	stores := make([]*Store, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = New(ctx, pool, &Config{Schema: schema})
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "New %d of %d concurrent calls", i, n)
	}

	ms, err := loadMigrations(Migrations())
	require.NoError(t, err)
	rows, err := pool.Query(ctx, "SELECT version, count(*) OVER () FROM "+quoteIdent(schema)+".schema_migrations ORDER BY version")
	require.NoError(t, err)
	var versions []int
	for rows.Next() {
		var v int
		var total int64
		require.NoError(t, rows.Scan(&v, &total))
		versions = append(versions, v)
	}
	require.NoError(t, rows.Err())
	require.Len(t, versions, len(ms), "each migration is recorded once")
	for i, m := range ms {
		assert.Equal(t, m.version, versions[i])
	}

	// Every store works on the one schema.
	for _, s := range stores {
		_, err := s.ListCases(ctx, adapters.CaseQuery{})
		require.NoError(t, err)
	}

	// A later start finds everything applied and changes nothing.
	_, err = New(ctx, pool, &Config{Schema: schema})
	require.NoError(t, err)
	var count int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+quoteIdent(schema)+".schema_migrations").Scan(&count))
	assert.Equal(t, len(ms), count)
}

func TestSkipMigrationsLeavesTheSchemaAlone(t *testing.T) {
	t.Parallel()
	pool := testPool(t)
	schema := testSchema(t, pool)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := New(ctx, pool, &Config{Schema: schema, SkipMigrations: true})
	require.NoError(t, err)
	var exists bool
	require.NoError(t, pool.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists))
	assert.False(t, exists, "SkipMigrations creates no schema")
}

// A role that owns its schema but may not create schemas in the database
// can still migrate and use the store.
func TestRoleLimitedToItsSchemaCanMigrate(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := testSchema(t, admin)
	role := schema + "_owner"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := admin.Exec(ctx, "CREATE ROLE "+quoteIdent(role)+" LOGIN; CREATE SCHEMA "+quoteIdent(schema)+" AUTHORIZATION "+quoteIdent(role))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+quoteIdent(schema)+" CASCADE; DROP ROLE IF EXISTS "+quoteIdent(role))
		assert.NoError(t, err)
	})
	var canCreate bool
	require.NoError(t, admin.QueryRow(ctx, "SELECT has_database_privilege($1, current_database(), 'CREATE')", role).Scan(&canCreate))
	require.False(t, canCreate, "the role may not create schemas")

	cfg := admin.Config().Copy()
	cfg.ConnConfig.User = role
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s, err := New(ctx, pool, &Config{Schema: schema})
	require.NoError(t, err, "migrating a schema the role owns")
	_, err = s.CreateCase(ctx, testCase("c1"))
	require.NoError(t, err)
}

func TestNewRefusesASchemaNewerThanTheCode(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	pool := testPool(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, "INSERT INTO "+quoteIdent(s.Schema())+".schema_migrations (version, name) VALUES (999, 'from the future')")
	require.NoError(t, err)
	_, err = New(ctx, pool, &Config{Schema: s.Schema()})
	require.ErrorIs(t, err, adapters.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "newer than this code knows")
}
