package adapters

import (
	"encoding/json"
	"fmt"
)

// fileJSON is how a stored list of files names a FileRef's fields: names
// of its own, so that renaming a Go field never orphans stored rows.
type fileJSON struct {
	ID     string `json:"id"`
	Field  string `json:"field"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// MarshalFiles encodes a submission's files as a store keeps them in one
// column: a JSON array in their order, nil for none. SQL stores use it
// with UnmarshalFiles so every store reads what another wrote.
func MarshalFiles(files []FileRef) ([]byte, error) {
	if len(files) == 0 {
		return nil, nil
	}
	out := make([]fileJSON, len(files))
	for i, f := range files {
		out[i] = fileJSON(f)
	}
	return json.Marshal(out)
}

// UnmarshalFiles decodes what MarshalFiles wrote; nil or empty input is
// no files.
func UnmarshalFiles(b []byte) ([]FileRef, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var in []fileJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("submission files: %w", err)
	}
	out := make([]FileRef, len(in))
	for i, f := range in {
		out[i] = FileRef(f)
	}
	return out, nil
}
