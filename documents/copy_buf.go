package documents

import (
	"io"
	"sync"
)

// copyBufs are the buffers every copy of file bytes goes through, so a
// 10 MiB upload costs a pooled 32 KiB buffer rather than a fresh one.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyBytes copies src to dst through a pooled buffer. It hides both
// sides' ReadFrom and WriteTo: gocloud's blob readers and writers
// allocate a 1 MiB buffer of their own in those.
func copyBytes(dst io.Writer, src io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, *bp)
}
