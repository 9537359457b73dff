package memory

// chunkSize is how many records one chunk of a log holds.
const chunkSize = 256

// log is an append-only sequence kept in fixed-size chunks: an append
// never copies what is stored, pointers to records stay valid, and records
// live in few large allocations that are cheap for the garbage collector.
type log[T any] struct {
	chunks [][]T
	n      int
}

// add appends v and returns a pointer to the stored copy.
func (l *log[T]) add(v T) *T {
	if l.n%chunkSize == 0 {
		l.chunks = append(l.chunks, make([]T, 0, chunkSize))
	}
	c := &l.chunks[len(l.chunks)-1]
	*c = append(*c, v)
	l.n++
	return &(*c)[len(*c)-1]
}

// at returns a pointer to record i (0-based).
func (l *log[T]) at(i int) *T { return &l.chunks[i/chunkSize][i%chunkSize] }

// len is the number of records.
func (l *log[T]) len() int { return l.n }
