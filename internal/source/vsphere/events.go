package vsphere

import (
	"context"
	"reflect"
	"strconv"
	"time"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vnetmap/vnetmap/internal/model"
)

// migrationEvents are the event types read: completed migrations, by a
// user or by DRS, live or cold. The "being migrated" events that mark the
// start of a vMotion add nothing the completion does not say.
var migrationEvents = []string{"VmMigratedEvent", "DrsVmMigratedEvent", "VmRelocatedEvent"}

// maxEvents is the most events one QueryEvents call returns.
const maxEvents = 1000

// migrations returns the migration events of the last EventWindow about
// entity (recursion says whether its children count). ids maps the VMs to
// their IDs; events about other VMs are dropped. An account that may not
// read events gets none, with a warning; a transport failure is an error.
func (c *Collector) migrations(ctx context.Context, cn *conn, entity types.ManagedObjectReference, recursion types.EventFilterSpecRecursionOption, ids map[types.ManagedObjectReference]model.ID) ([]model.Event, error) {
	if c.cfg.EventWindow == 0 || cn.vim.ServiceContent.EventManager == nil {
		return nil, nil
	}
	begin := time.Now().Add(-c.cfg.EventWindow)
	res, err := methods.QueryEvents(ctx, cn.vim, &types.QueryEvents{
		This: *cn.vim.ServiceContent.EventManager,
		Filter: types.EventFilterSpec{
			Entity:      &types.EventFilterSpecByEntity{Entity: entity, Recursion: recursion},
			Time:        &types.EventFilterSpecByTime{BeginTime: &begin},
			EventTypeId: migrationEvents,
			MaxCount:    maxEvents,
		},
	})
	if err != nil {
		if !fault.Is(err, &types.NotAuthenticated{}) && (soap.IsSoapFault(err) || soap.IsVimFault(err)) {
			c.warnOnce("QueryEvents", "migration events not readable, collecting without them",
				"error", c.classify("QueryEvents", err))
			return nil, nil
		}
		return nil, c.classify("QueryEvents", err)
	}
	var out []model.Event
	for _, be := range res.Returnval {
		e := be.GetEvent()
		if e.Vm == nil {
			continue
		}
		id, ok := ids[e.Vm.Vm]
		if !ok {
			continue
		}
		typ := reflect.TypeOf(be).Elem().Name()
		if ex, ok := be.(*types.EventEx); ok {
			typ = ex.EventTypeId
		}
		out = append(out, model.Event{
			Source:  c.cfg.Name,
			Time:    e.CreatedTime,
			Subject: id,
			Type:    typ,
			User:    e.UserName,
			Message: e.FullFormattedMessage,
			Key:     strconv.Itoa(int(e.Key)),
		})
	}
	return out, nil
}
