// Package source defines what a fact source is and keeps the registry of
// source types by name. Each source type lives in its own sub-package
// (vsphere, snmp, lldpd, …) and registers a factory.
//
// It is not for correlation: a source states what it sees and never decides
// relations across sources.
package source

import (
	"context"

	"github.com/vnetmap/vnetmap/internal/model"
)

// Source produces facts. Collect returns a full snapshot of what the source
// sees now; an error means the run failed and nothing in the snapshot may be
// taken as the source's state. Collect is not called concurrently on one
// Source.
type Source interface {
	Name() string
	Collect(ctx context.Context) (model.Snapshot, error)
}

// Watcher is a Source that can also report live changes. Watch blocks until
// ctx ends or the connection fails, calling emit with scoped snapshots (a
// delta for the owners that changed) as changes arrive.
type Watcher interface {
	Source
	Watch(ctx context.Context, emit func(model.Snapshot) error) error
}
