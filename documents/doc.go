// Package documents keeps uploaded files.
package documents

import (
	_ "github.com/gabriel-vasile/mimetype"
	_ "gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
)
