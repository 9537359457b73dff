package documents

import "gocloud.dev/blob"

// BucketOf gives tests the store's bucket, to list what is left in it.
func BucketOf(s *Store) *blob.Bucket { return s.bucket }
