package devprovider

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestLoginPageGolden(t *testing.T) {
	t.Parallel()
	accounts := append(DemoAccounts(), Account{ID: "zz-hostile", Username: `"><script>alert(1)</script>`, Name: "<b>Mallory</b>", Roles: []string{"a&b"}})
	p, err := New("http://127.0.0.1:9000", &Config{Accounts: accounts})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login?id=req-1", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	got, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	assert.NotContains(t, string(got), "<script>", "account data is escaped")

	path := filepath.Join("testdata", "login.golden.html")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create the golden file")
	assert.Equal(t, string(want), string(got))
}
