// Package smtp sends email through an SMTP server and takes replies in.
package smtp
