package documents

import "bytes"

// finder is a writer that reports whether any of its needles occurs in
// what was written to it, across the boundaries of the writes, holding no
// more than the longest needle.
type finder struct {
	needles [][]byte
	fold    bool // ASCII case-insensitive; needles are lower case
	tail    []byte
	hit     bool
}

func newFinder(needles []string, fold bool) *finder {
	f := &finder{fold: fold}
	for _, n := range needles {
		f.needles = append(f.needles, []byte(n))
	}
	return f
}

func (f *finder) found() bool { return f.hit }

func (f *finder) Write(p []byte) (int, error) {
	if f.hit || len(p) == 0 {
		return len(p), nil
	}
	maxLen := 0
	for _, n := range f.needles {
		maxLen = max(maxLen, len(n))
	}
	buf := make([]byte, 0, len(f.tail)+len(p))
	buf = append(append(buf, f.tail...), p...)
	if f.fold {
		for i, c := range buf[len(f.tail):] {
			if 'A' <= c && c <= 'Z' {
				buf[len(f.tail)+i] = c + 'a' - 'A'
			}
		}
	}
	for _, n := range f.needles {
		if bytes.Contains(buf, n) {
			f.hit = true
			f.tail = nil
			return len(p), nil
		}
	}
	keep := min(len(buf), maxLen-1)
	f.tail = append(f.tail[:0], buf[len(buf)-keep:]...)
	return len(p), nil
}
