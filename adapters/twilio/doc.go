// Package twilio sends text messages through Twilio's Programmable
// Messaging API and takes in the texts people send back and Twilio's
// delivery reports.
//
// Channel is the adapters.Channel named "sms": it normalises numbers to
// E.164 with libphonenumber, counts segments (Segments) and refuses texts
// above a bound, and passes each message's idempotency key in Twilio's
// I-Twilio-Idempotency-Token header so a retried send is not delivered
// twice. InboundHandler is the incoming-message webhook, which passes
// texts to an adapters.ReplyHandler (the feedback package's Inbound) and
// answers HELP; StatusHandler is the status callback, which passes
// delivery receipts to an adapters.ReceiptHandler. Both check Twilio's
// request signature (ValidateSignature, Validator) against the public URL
// Twilio called, under one or more auth tokens.
//
// # Errors
//
// Send's failures are *adapters.SendError when retrying will not help (an
// invalid number, a text too long, Twilio's 4xx refusals) and
// adapters.OptedOut for Twilio's 21610; rate limits, 5xx answers, refused
// credentials, garbled answers, lost connections and the context's end
// are temporary errors. New, NewInboundHandler and NewStatusHandler
// return configuration problems wrapping adapters.ErrInvalidArgument.
// The handlers answer HTTP statuses: 403 for a bad signature or a
// replayed message, 400 for a signed request Twilio would not send, 503
// for a temporary failure, so Twilio's retry or fallback URL can try
// again.
//
// # Concurrency
//
// Channel, Validator, InboundHandler and StatusHandler are safe for
// concurrent use.
package twilio
