package postgres

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civickit/civickit/adapters"
)

// silentServer accepts connections and never answers, as a server stuck
// in recovery or behind a broken proxy does.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
			close(done)
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	return ln.Addr().String()
}

func TestNewGivesUpOnAServerThatNeverAnswers(t *testing.T) {
	t.Parallel()
	addr := silentServer(t)
	pool, err := pgxpool.New(context.Background(), "postgres://civickit@"+addr+"/test?sslmode=disable")
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	start := time.Now()
	_, err = New(context.Background(), pool, &Config{ConnectTimeout: 200 * time.Millisecond})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second, "New returns soon after its connect timeout")
	assert.ErrorIs(t, err, adapters.ErrUnavailable)
	assert.Contains(t, err.Error(), addr, "the error names the host")
}

func TestConfigTimeouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     *Config
		connect time.Duration
		migrate time.Duration
		invalid bool
	}{
		{name: "nil means the defaults", cfg: nil, connect: DefaultConnectTimeout, migrate: DefaultMigrationTimeout},
		{name: "zero means the defaults", cfg: &Config{}, connect: DefaultConnectTimeout, migrate: DefaultMigrationTimeout},
		{name: "set", cfg: &Config{ConnectTimeout: time.Second, MigrationTimeout: time.Hour}, connect: time.Second, migrate: time.Hour},
		{name: "negative connect", cfg: &Config{ConnectTimeout: -1}, invalid: true},
		{name: "negative migration", cfg: &Config{MigrationTimeout: -1}, invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.invalid {
				assert.ErrorIs(t, err, adapters.ErrInvalidArgument)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.connect, tt.cfg.connectTimeout())
			assert.Equal(t, tt.migrate, tt.cfg.migrationTimeout())
		})
	}
}
