// Package workflows ships the example workflow definitions as JSON
// documents: a building-permit review (submitted → screening → in-review ⊃
// awaiting-info → approved / rejected / withdrawn) and a 311 pothole
// report. Tests and the portal load them with workflow.ParseDefinition.
package workflows

import _ "embed"

// PermitReview is the building-permit review definition.
//
//go:embed permit-review.json
var PermitReview []byte

// Pothole is the 311 pothole report definition.
//
//go:embed pothole.json
var Pothole []byte
