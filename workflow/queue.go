package workflow

import (
	"context"
	"fmt"

	"github.com/civickit/civickit/adapters"
)

// QueueItem is one case of a queue with the actions an actor may take on
// it.
type QueueItem struct {
	// Case is the case as the store listed it.
	Case adapters.Case
	// Actions are the actions the case's current state offers, in
	// definition order: each allowed for the actor, or denied with its
	// reason (a role, the assurance level, a guard), as Permitted says.
	// Unlike Permitted, triggers the state has no transition for are left
	// out: a queue shows what can be done with each case now.
	Actions []Action
}

// QueuePage is one page of Engine.Queue.
type QueuePage struct {
	// Items are the page's cases in the order the query names.
	Items []QueueItem
	// NextCursor continues the queue (pass it as CaseQuery.Cursor); empty
	// on the last page.
	NextCursor string
}

// Queue returns one page of the cases matching q, each with the actions
// its state offers, allowed or denied for the actor: a staff work queue.
// The actions follow the rules of Permitted (see QueueItem.Actions),
// computed from the listed case without reading it again, so a page
// costs one store read. A case of a type or definition
// version the engine has no workflow for returns adapters.ErrNotFound;
// store errors (ErrInvalidArgument for a bad limit or cursor) are
// wrapped.
func (e *Engine) Queue(ctx context.Context, actor Actor, q adapters.CaseQuery) (QueuePage, error) {
	page, err := e.store.ListCases(ctx, q)
	if err != nil {
		return QueuePage{}, fmt.Errorf("workflow: queue: %w", err)
	}
	out := QueuePage{Items: make([]QueueItem, len(page.Cases)), NextCursor: page.NextCursor}
	flows := make([]*Workflow, len(page.Cases))
	most := 0
	for i := range page.Cases {
		c := &page.Cases[i]
		if flows[i], err = e.Workflow(c.Type, c.DefinitionVersion); err != nil {
			return QueuePage{}, fmt.Errorf("workflow: queue: case %s: %w", c.ID, err)
		}
		most = max(most, len(flows[i].triggers))
	}
	// The buffers serve the whole page; a state offers a few actions, so
	// four per case is a first guess that append grows if need be.
	b := permitBuffers{actions: make([]Action, 0, 4*len(page.Cases)), byTrigger: make([]*DeniedError, most),
		allowed: make([]bool, most), offered: true}
	// So does one call, evaluated against each case in turn.
	cl := new(call)
	cctx := withCall(ctx, cl)
	for i := range page.Cases {
		actions, err := flows[i].permittedInto(cctx, cl, &page.Cases[i], actor, &b)
		if err != nil {
			return QueuePage{}, err
		}
		out.Items[i] = QueueItem{Case: page.Cases[i], Actions: actions}
	}
	return out, nil
}
