package workflow

import (
	"bytes"
	"sync"

	"github.com/civickit/civickit/adapters"
)

// DefaultCaseCacheSize is how many cases an Engine remembers when
// EngineConfig.CaseCacheSize is zero.
const DefaultCaseCacheSize = 1024

// maxCachedData is the largest case data the cache keeps.
const maxCachedData = 16 << 10

// caseCache remembers the cases the engine itself last wrote. A case at a
// given version never changes (every write adds one to the version), so a
// Fire that names the version it expects may start from the remembered
// case instead of reading it again. If the store has moved on meanwhile,
// the version-guarded write refuses with adapters.ErrConflict, and an
// action refused on the remembered case is judged again on a fresh read,
// so callers get what a fresh read would have given them.
//
// Cases whose data is larger than maxCachedData are not kept, which bounds
// the cache to size × maxCachedData bytes of data.
type caseCache struct {
	mu    sync.Mutex
	max   int
	cases map[string]adapters.Case
}

func newCaseCache(size int) *caseCache {
	if size < 0 {
		return nil
	}
	if size == 0 {
		size = DefaultCaseCacheSize
	}
	return &caseCache{max: size, cases: make(map[string]adapters.Case, size)}
}

// get returns the remembered case when it is at version v.
func (cc *caseCache) get(id string, v int64) (adapters.Case, bool) {
	if cc == nil || v == 0 {
		return adapters.Case{}, false
	}
	cc.mu.Lock()
	c, ok := cc.cases[id]
	cc.mu.Unlock()
	if !ok || c.Version != v {
		return adapters.Case{}, false
	}
	return c, true
}

// put remembers c, keeping its own copy of the data; when full it forgets
// an arbitrary case (map order is random), which bounds memory without
// bookkeeping.
func (cc *caseCache) put(c adapters.Case) {
	if cc == nil || len(c.Data) > maxCachedData {
		return
	}
	c.Data = bytes.Clone(c.Data)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if _, ok := cc.cases[c.ID]; !ok && len(cc.cases) >= cc.max {
		for id := range cc.cases {
			delete(cc.cases, id)
			break
		}
	}
	cc.cases[c.ID] = c
}
