package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/civickit/civickit/adapters"
)

func normAttachment(a adapters.Attachment) adapters.Attachment {
	a.CreatedAt = adapters.StoredTime(a.CreatedAt)
	a.UpdatedAt = adapters.StoredTime(a.UpdatedAt)
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	if a.Status == "" {
		a.Status = adapters.AttachmentQuarantined
	}
	return a
}

func byCreation(a, b *adapters.Attachment) int {
	if r := a.CreatedAt.Compare(b.CreatedAt); r != 0 {
		return r
	}
	return cmp.Compare(a.ID, b.ID)
}

// checkFiles reports the first file that names no attachment or one
// already linked to a case; the caller holds the lock.
func (s *Store) checkFiles(files []adapters.FileRef) error {
	for _, f := range files {
		a, ok := s.attachments[f.ID]
		if !ok {
			return fmt.Errorf("%w: attachment %q is unknown", adapters.ErrInvalidArgument, f.ID)
		}
		if a.CaseID != "" {
			return fmt.Errorf("%w: attachment %q is already linked to a case", adapters.ErrInvalidArgument, f.ID)
		}
	}
	return nil
}

// linkFiles links checked attachments to a case and submission.
func (s *Store) linkFiles(files []adapters.FileRef, caseID, subID string, at time.Time) {
	for _, f := range files {
		a := s.attachments[f.ID]
		a.CaseID, a.SubmissionID, a.UpdatedAt = caseID, subID, at
	}
}

// PutAttachment implements adapters.AttachmentStore.
func (s *Store) PutAttachment(ctx context.Context, a adapters.Attachment) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("memory: put attachment %q: %w", a.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: put attachment %q: %w", a.ID, err)
	}
	defer s.mu.Unlock()
	if _, ok := s.attachments[a.ID]; ok {
		return fmt.Errorf("memory: put attachment %q: %w", a.ID, adapters.ErrDuplicate)
	}
	a = normAttachment(a)
	s.attachments[a.ID] = &a
	return nil
}

// GetAttachment implements adapters.AttachmentStore.
func (s *Store) GetAttachment(ctx context.Context, id string) (adapters.Attachment, error) {
	if id == "" {
		return adapters.Attachment{}, fmt.Errorf("memory: get attachment: %w", emptyID("attachment id"))
	}
	if err := s.rlock(ctx); err != nil {
		return adapters.Attachment{}, fmt.Errorf("memory: get attachment %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	a, ok := s.attachments[id]
	if !ok {
		return adapters.Attachment{}, fmt.Errorf("memory: get attachment %q: %w", id, adapters.ErrNotFound)
	}
	return *a, nil
}

// ListAttachments implements adapters.AttachmentStore.
func (s *Store) ListAttachments(ctx context.Context, caseID string) ([]adapters.Attachment, error) {
	if caseID == "" {
		return nil, fmt.Errorf("memory: list attachments: %w", emptyID("case id"))
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list attachments of case %q: %w", caseID, err)
	}
	defer s.mu.RUnlock()
	return s.attachmentsWhere(0, func(a *adapters.Attachment) bool { return a.CaseID == caseID }), nil
}

// attachmentsWhere returns copies of the attachments keep accepts, oldest
// first, at most limit of them unless limit is 0; the caller holds the
// lock.
func (s *Store) attachmentsWhere(limit int, keep func(*adapters.Attachment) bool) []adapters.Attachment {
	var hits []*adapters.Attachment
	for _, a := range s.attachments {
		if keep(a) {
			hits = append(hits, a)
		}
	}
	slices.SortFunc(hits, byCreation)
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	var out []adapters.Attachment
	for _, a := range hits {
		out = append(out, *a)
	}
	return out
}

// UpdateAttachment implements adapters.AttachmentStore.
func (s *Store) UpdateAttachment(ctx context.Context, u adapters.AttachmentUpdate) error {
	if err := u.Validate(); err != nil {
		return fmt.Errorf("memory: update attachment %q: %w", u.ID, err)
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: update attachment %q: %w", u.ID, err)
	}
	defer s.mu.Unlock()
	a, ok := s.attachments[u.ID]
	if !ok {
		return fmt.Errorf("memory: update attachment %q: %w", u.ID, adapters.ErrNotFound)
	}
	a.Status, a.Reason, a.PublicKey, a.UpdatedAt = u.Status, u.Reason, u.PublicKey, adapters.StoredTime(u.At)
	return nil
}

// ListAttachmentsByStatus implements adapters.AttachmentStore.
func (s *Store) ListAttachmentsByStatus(ctx context.Context, status adapters.AttachmentStatus, limit int) ([]adapters.Attachment, error) {
	err := adapters.ValidateAttachmentListing(limit)
	if err == nil && !status.Valid() {
		err = fmt.Errorf("%w: attachment status %q is unknown", adapters.ErrInvalidArgument, status)
	}
	if err != nil {
		return nil, fmt.Errorf("memory: list %q attachments: %w", status, err)
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list %q attachments: %w", status, err)
	}
	defer s.mu.RUnlock()
	return s.attachmentsWhere(limit, func(a *adapters.Attachment) bool { return a.Status == status }), nil
}

// ListOrphanAttachments implements adapters.AttachmentStore.
func (s *Store) ListOrphanAttachments(ctx context.Context, before time.Time, limit int) ([]adapters.Attachment, error) {
	err := adapters.ValidateAttachmentListing(limit)
	if err == nil && before.IsZero() {
		err = emptyID("time")
	}
	if err != nil {
		return nil, fmt.Errorf("memory: list orphan attachments: %w", err)
	}
	if err := s.rlock(ctx); err != nil {
		return nil, fmt.Errorf("memory: list orphan attachments: %w", err)
	}
	defer s.mu.RUnlock()
	before = adapters.StoredTime(before)
	return s.attachmentsWhere(limit, func(a *adapters.Attachment) bool {
		return a.CaseID == "" && a.CreatedAt.Before(before)
	}), nil
}

// DeleteAttachment implements adapters.AttachmentStore.
func (s *Store) DeleteAttachment(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("memory: delete attachment: %w", emptyID("attachment id"))
	}
	if err := s.lock(ctx); err != nil {
		return fmt.Errorf("memory: delete attachment %q: %w", id, err)
	}
	defer s.mu.Unlock()
	if _, ok := s.attachments[id]; !ok {
		return fmt.Errorf("memory: delete attachment %q: %w", id, adapters.ErrNotFound)
	}
	delete(s.attachments, id)
	return nil
}
