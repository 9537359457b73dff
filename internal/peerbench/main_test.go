package main

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseWorkers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []int
		wantErr string
	}{
		{name: "list in the order given", in: "16, 4,64", want: []int{16, 4, 64}},
		{name: "one count", in: "8", want: []int{8}},
		{name: "zero", in: "0", wantErr: "not a count"},
		{name: "above the bound", in: "4,513", wantErr: "not a count"},
		{name: "not a number", in: "4,x", wantErr: "not a count"},
		{name: "empty field", in: "4,,16", wantErr: "not a count"},
		{name: "repeated", in: "4,16,4", wantErr: "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseWorkers(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr []string
		check   func(t *testing.T, o options)
	}{
		{name: "defaults", args: nil, check: func(t *testing.T, o options) {
			assert.Equal(t, []int{4, 16, 64}, o.workers)
			assert.Equal(t, 5, o.rounds)
			assert.Equal(t, 20000, o.n)
			assert.Zero(t, o.conns)
			assert.Equal(t, 5*time.Minute, o.timeout)
			assert.NotEmpty(t, o.url)
		}},
		{name: "given", args: []string{"-workers", "2", "-rounds", "3", "-n", "100", "-conns", "8", "-url", "postgres://x/y"}, check: func(t *testing.T, o options) {
			assert.Equal(t, []int{2}, o.workers)
			assert.Equal(t, 3, o.rounds)
			assert.Equal(t, 100, o.n)
			assert.Equal(t, 8, o.conns)
			assert.Equal(t, "postgres://x/y", o.url)
		}},
		{name: "every bad bound reported", args: []string{"-rounds", "0", "-n", "2000000", "-conns", "-1", "-timeout", "0s"},
			wantErr: []string{"-rounds 0", "-n 2000000", "-conns -1", "-timeout 0s"}},
		{name: "stray argument", args: []string{"extra"}, wantErr: []string{"unexpected arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseFlags(tt.args, io.Discard)
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, want := range tt.wantErr {
					assert.ErrorContains(t, err, want)
				}
				return
			}
			require.NoError(t, err)
			tt.check(t, o)
		})
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{name: "none", in: nil, want: 0},
		{name: "odd count takes the middle", in: []float64{9, 1, 5}, want: 5},
		{name: "even count averages the middle two", in: []float64{4, 1, 3, 10}, want: 3.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := append([]float64(nil), tt.in...)
			assert.InDelta(t, tt.want, median(tt.in), 1e-9)
			assert.Equal(t, in, tt.in, "median must not reorder its input")
		})
	}
}

func TestNewSchemaNameIsAPlainFreshIdentifier(t *testing.T) {
	t.Parallel()
	a, b := newSchemaName(systemCivickit), newSchemaName(systemCivickit)
	assert.Regexp(t, `^peerbench_civickit_[0-9a-f]{12}$`, a)
	assert.NotEqual(t, a, b)
	assert.Regexp(t, `^peerbench_river_[0-9a-f]{12}$`, newSchemaName(systemRiver))
}
