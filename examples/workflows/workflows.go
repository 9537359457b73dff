// Package workflows ships the example workflow definitions as JSON
// documents: a building-permit review (submitted → screening → in-review ⊃
// awaiting-info → approved / rejected / withdrawn) and a 311 pothole
// report. Tests and the portal load them with workflow.ParseDefinition.
package workflows

import (
	"bytes"
	_ "embed"
)

var (
	//go:embed permit-review.json
	permitReview []byte
	//go:embed pothole.json
	pothole []byte
)

// PermitReview returns the building-permit review definition, a fresh
// copy on each call.
func PermitReview() []byte { return bytes.Clone(permitReview) }

// Pothole returns the 311 pothole report definition, a fresh copy on each
// call.
func Pothole() []byte { return bytes.Clone(pothole) }
