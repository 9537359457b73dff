package documents

import "bytes"

// finder is a writer that reports whether any of its needles occurs in
// what was written to it, across the boundaries of the writes, holding no
// more than the longest needle and one write.
type finder struct {
	needles [][]byte
	maxLen  int
	fold    bool   // ASCII case-insensitive; needles are lower case
	tail    []byte // the last maxLen-1 bytes written (lower-cased when folding)
	buf     []byte // scratch, reused across writes
	hit     bool
	off     bool // stop looking: the bytes no longer matter
}

func newFinder(needles []string, fold bool) *finder {
	f := &finder{fold: fold}
	for _, n := range needles {
		f.needles = append(f.needles, []byte(n))
		f.maxLen = max(f.maxLen, len(n))
	}
	return f
}

func (f *finder) found() bool { return f.hit }

func (f *finder) any(b []byte) bool {
	for _, n := range f.needles {
		if bytes.Contains(b, n) {
			return true
		}
	}
	return false
}

func (f *finder) Write(p []byte) (int, error) {
	if f.hit || f.off || len(p) == 0 || f.maxLen == 0 {
		return len(p), nil
	}
	keep := f.maxLen - 1
	data := p
	if f.fold {
		// the whole write lower-cased, behind the tail
		f.buf = append(f.buf[:0], f.tail...)
		for _, c := range p {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			f.buf = append(f.buf, c)
		}
		f.hit = f.any(f.buf)
		data = f.buf[len(f.tail):]
	} else {
		// a match across the boundary lies within the tail and the
		// first keep bytes of p; any other lies within p
		f.buf = append(append(f.buf[:0], f.tail...), p[:min(len(p), keep)]...)
		f.hit = f.any(f.buf) || f.any(p)
	}
	if f.hit {
		f.tail, f.buf = nil, nil
		return len(p), nil
	}
	if len(data) >= keep {
		f.tail = append(f.tail[:0], data[len(data)-keep:]...)
	} else {
		f.tail = append(f.tail, data...)
		f.tail = f.tail[:copy(f.tail, f.tail[len(f.tail)-min(len(f.tail), keep):])]
	}
	return len(p), nil
}
