// Package keyring seals and opens small values with AES-256-GCM under a
// ring of named keys that rotate with a grace period. Session cookies in
// identity and PII fields in forms are sealed with it.
//
// A ring has one primary key, which seals, and any number of retired keys,
// which still open values until their RetiredAt plus the ring's grace
// period (Config.Grace, default 24 hours; GraceForever for data at rest).
// Rotate makes a new key primary and retires the old one at that moment.
//
// Every value is bound to a purpose string, authenticated as additional
// data: a value sealed for one purpose (a cookie, a form field) never opens
// for another. The wire format is
//
//	v2.<key id>.<base64url(nonce || ciphertext)>
//
// Open also reads the two formats sealed before this package existed, so
// nothing sealed earlier is lost: the forms format "v1.<key id>.<data>"
// and the identity cookie format (base64url of a binary record with
// version byte 1).
//
// Files are sealed as streams: SealStream and OpenStream seal and open
// any length in chunks of StreamChunkSize, each with its own nonce under a
// key derived for the one stream, so a file is never held whole in memory
// and a stream cut short, reordered or changed does not open.
//
// # Errors
//
// New and Rotate fail with ErrInvalidKey (joined with errors.Join when
// there are several problems). Open fails with ErrInvalidSealed for a
// malformed, tampered or wrong-purpose value, ErrUnknownKey for a key the
// ring does not hold, and ErrKeyRetired for a key past its grace period;
// OpenStream and the Read of its reader fail the same way.
// Match them with errors.Is; messages never contain the sealed data.
//
// # Concurrency
//
// A KeyRing is safe for concurrent use: Seal and Open read an immutable
// snapshot of the keys, and Rotate swaps in a new one atomically.
package keyring
