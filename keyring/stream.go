package keyring

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A sealed stream is a header followed by chunks:
//
//	header: "CKS1" | len(key id) (1 byte) | key id | salt (32 bytes)
//	chunk:  AES-256-GCM(stream key, nonce, plaintext, header)
//
// The stream key is HKDF-SHA256 of the ring key with the salt, bound to the
// purpose, so every stream has its own key and the nonces can count from
// zero. A nonce is the chunk's number (8 bytes, big endian), three zero
// bytes and a last-chunk flag: chunks cannot be reordered, dropped,
// repeated, or cut off at a chunk boundary without Read failing. Every
// chunk holds StreamChunkSize bytes of plaintext but the last, which holds
// 0 to StreamChunkSize (0 only for an empty stream).
const (
	streamMagic    = "CKS1"
	streamSaltSize = 32
	streamInfo     = "civickit keyring stream v1\x00"
)

// StreamChunkSize is the plaintext length of each chunk of a sealed
// stream: the most SealStream and OpenStream hold in memory.
const StreamChunkSize = 64 << 10

func streamAEAD(secret, salt []byte, purpose string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, secret, salt, streamInfo+purpose, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func streamNonce(n uint64, last bool) []byte {
	nonce := make([]byte, 12)
	binary.BigEndian.PutUint64(nonce, n)
	if last {
		nonce[11] = 1
	}
	return nonce
}

// SealStream returns a writer that seals what is written to it with the
// primary key, bound to purpose, and writes the sealed stream to dst, one
// chunk at a time: files of any length are sealed in constant memory.
// Close writes the last chunk (it does not close dst); a stream not closed
// does not open. The header is written to dst before SealStream returns.
func (kr *KeyRing) SealStream(dst io.Writer, purpose string) (io.WriteCloser, error) {
	k := kr.state.Load().primary
	header := make([]byte, 0, len(streamMagic)+1+len(k.id)+streamSaltSize)
	header = append(append(append(header, streamMagic...), byte(len(k.id))), k.id...)
	salt := make([]byte, streamSaltSize)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (Go 1.24+).
	header = append(header, salt...)
	aead, err := streamAEAD(k.secret, salt, purpose)
	if err != nil {
		return nil, fmt.Errorf("keyring: stream key: %w", err)
	}
	if _, err := dst.Write(header); err != nil {
		return nil, err
	}
	return &sealWriter{dst: dst, aead: aead, header: header, buf: make([]byte, 0, StreamChunkSize)}, nil
}

type sealWriter struct {
	dst    io.Writer
	aead   cipher.AEAD
	header []byte
	buf    []byte
	out    []byte
	n      uint64
	err    error
}

var errStreamClosed = errors.New("keyring: write to a closed sealed stream")

func (w *sealWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 && w.err == nil {
		// A full chunk is sealed only once more bytes follow, so that the
		// last chunk Close seals is never an empty one after a full one.
		if len(w.buf) == StreamChunkSize {
			w.flush(false)
			continue
		}
		c := copy(w.buf[len(w.buf):StreamChunkSize], p)
		w.buf = w.buf[:len(w.buf)+c]
		p = p[c:]
		written += c
	}
	return written, w.err
}

func (w *sealWriter) flush(last bool) {
	w.out = w.aead.Seal(w.out[:0], streamNonce(w.n, last), w.buf, w.header)
	w.n++
	w.buf = w.buf[:0]
	if _, err := w.dst.Write(w.out); err != nil {
		w.err = err
	}
}

// Close seals the last chunk. It does not close the underlying writer.
func (w *sealWriter) Close() error {
	if w.err != nil {
		if w.err == errStreamClosed {
			return nil
		}
		return w.err
	}
	w.flush(true)
	if w.err != nil {
		return w.err
	}
	w.err = errStreamClosed
	return nil
}

// OpenStream reads the header of a stream sealed by SealStream for purpose
// and returns a reader of its plaintext. It fails with ErrInvalidSealed,
// ErrUnknownKey or ErrKeyRetired as Open does; Read fails with
// ErrInvalidSealed at the first chunk that is tampered with, out of place,
// or missing (a stream cut short), having returned only authenticated
// bytes before it.
func (kr *KeyRing) OpenStream(src io.Reader, purpose string) (io.Reader, error) {
	br := bufio.NewReaderSize(src, StreamChunkSize+64)
	head := make([]byte, len(streamMagic)+1)
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, streamReadErr(err)
	}
	if string(head[:len(streamMagic)]) != streamMagic || head[len(streamMagic)] == 0 {
		return nil, fmt.Errorf("%w: not a sealed stream", ErrInvalidSealed)
	}
	rest := make([]byte, int(head[len(streamMagic)])+streamSaltSize)
	if _, err := io.ReadFull(br, rest); err != nil {
		return nil, streamReadErr(err)
	}
	k, ok := kr.state.Load().byID[string(rest[:len(rest)-streamSaltSize])]
	if !ok {
		return nil, ErrUnknownKey
	}
	if kr.expired(k, kr.now()) {
		return nil, ErrKeyRetired
	}
	aead, err := streamAEAD(k.secret, rest[len(rest)-streamSaltSize:], purpose)
	if err != nil {
		return nil, fmt.Errorf("keyring: stream key: %w", err)
	}
	return &openReader{
		src:    br,
		aead:   aead,
		header: append(head, rest...),
		in:     make([]byte, StreamChunkSize+aead.Overhead()),
	}, nil
}

// streamReadErr turns a stream that ends too soon into ErrInvalidSealed
// and keeps the source's own failures.
func streamReadErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated stream", ErrInvalidSealed)
	}
	return err
}

type openReader struct {
	src    *bufio.Reader
	aead   cipher.AEAD
	header []byte
	in     []byte
	plain  []byte // opened bytes not yet read
	n      uint64
	done   bool
	err    error
}

func (r *openReader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.err = r.next()
	}
	c := copy(p, r.plain)
	r.plain = r.plain[c:]
	return c, nil
}

// next opens the following chunk into r.plain.
func (r *openReader) next() error {
	n, err := io.ReadFull(r.src, r.in)
	last := false
	switch {
	case err == nil:
		// A full chunk is the last one when nothing follows it.
		if _, perr := r.src.Peek(1); perr == io.EOF {
			last = true
		} else if perr != nil {
			return perr
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		last = true
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: truncated stream", ErrInvalidSealed)
	default:
		return err
	}
	plain, oerr := r.aead.Open(r.in[:0], streamNonce(r.n, last), r.in[:n], r.header)
	if oerr != nil {
		return fmt.Errorf("%w: chunk %d does not open", ErrInvalidSealed, r.n)
	}
	r.n++
	r.plain, r.done = plain, last
	return nil
}
