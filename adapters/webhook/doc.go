// Package webhook delivers messages as signed webhooks to another system
// (a city department's case system, a vendor's service) and gives that
// system what it needs to check them. It follows the Standard Webhooks
// specification (https://www.standardwebhooks.com), so a receiver may use
// this package or any library of that specification.
//
// The sender is Channel, an adapters.Channel named "webhook": it posts each
// message as a JSON Event to the URL a person's webhook address holds,
// with three headers. webhook-id is the message's idempotency key, the
// same on every retry; webhook-timestamp is the attempt's time in Unix
// seconds; webhook-signature is "v1," and the base64 HMAC-SHA256 of
// id + "." + timestamp + "." + body under each configured secret, the
// signatures separated by spaces while a secret is being rotated.
//
// The receiver imports only this package: NewVerifier with the secrets
// it was given, then Verifier.Middleware around its handler (or
// Verifier.Verify on the raw body). It should drop an id it has already
// processed, since delivery is at least once.
//
// Secrets are "whsec_" followed by the base64 of 24 to 64 random bytes;
// NewSecret makes one.
//
// Endpoints must be https, and by default the channel refuses to connect
// to loopback, private, link-local and other non-public addresses, checked
// on each connection after name resolution, so a person's webhook address
// cannot reach the city's internal network (server-side request forgery).
//
// # Errors
//
// Config problems wrap adapters.ErrInvalidArgument. Send's failures are
// classified as the adapters.Channel contract asks (see Channel.Send); a
// refused address wraps ErrPrivateAddress. Verify returns an error
// wrapping ErrMissingHeaders, ErrTimestamp or ErrSignature. No error
// carries an endpoint's path or query, a body or a secret.
//
// # Concurrency
//
// Channel is safe for concurrent use. A Verifier is safe for concurrent
// use once its fields are set.
package webhook
