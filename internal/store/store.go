// Package store keeps every fact vnetmap collected with its source and its
// validity interval, so the map can be rebuilt as of any moment, and the
// per-minute traffic aggregates of the flow pipeline. SQLite and
// PostgreSQL sit behind one interface and share one code path (database/sql
// with a small dialect); schema changes are numbered migrations.
//
// It is not for correlation or queries over the map: it returns facts, and
// the graph package makes sense of them.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/vnetmap/vnetmap/internal/flow"
	"github.com/vnetmap/vnetmap/internal/model"
)

// ErrUnknownDSN is returned by Open for a DSN whose scheme is not sqlite: or postgres://.
var ErrUnknownDSN = errors.New("store: unknown DSN scheme")

// ErrNoStore is returned by OpenExisting for a store that does not exist
// (a SQLite file that is not there).
var ErrNoStore = errors.New("store: no such store")

// ErrNewerSchema is returned by Open for a database migrated by a newer
// vnetmap than this one: its schema is left alone.
var ErrNewerSchema = errors.New("store: database schema newer than this vnetmap")

// ErrInvalidSnapshot is wrapped by Apply's error for a snapshot that cannot be
// recorded as given (a source bug, not a database failure); the message names
// the offending fact or event.
var ErrInvalidSnapshot = errors.New("store: invalid snapshot")

// Store is the temporal fact store. All methods are safe for concurrent use.
type Store interface {
	// Apply records a snapshot in one transaction: for a full snapshot, the
	// open facts of snap.Source that are absent from it are closed at
	// snap.Taken; for a scoped one, only those whose Owner is in snap.Scope.
	// Facts whose content changed are closed and reopened; unchanged facts
	// are left alone (re-applying the same snapshot changes nothing). Events
	// are stored once per (source, key). The source is marked fresh.
	//
	// A source's history follows the order of its Applies: a snapshot taken
	// earlier than the latest moment already recorded for its source (one
	// applied late) is recorded at that moment instead, so no interval is
	// ever negative, and a version that would end at the moment it started
	// is replaced or removed rather than kept empty. A fact of a scoped
	// snapshot replaces the open version of its key whatever that version's
	// owner. A snapshot with two facts of one key, with a fact owned outside
	// its scope, or with an event lacking a key or a time or from another
	// source is rejected with an error wrapping ErrInvalidSnapshot, and
	// nothing is recorded.
	Apply(ctx context.Context, snap model.Snapshot) (ApplyStats, error)

	// MarkFailed records a failed run of source at t: nothing is closed, the
	// source's facts stay valid and the source is marked stale with cause.
	MarkFailed(ctx context.Context, source string, t time.Time, cause error) error

	// Sources returns the state of every source that ever applied or failed.
	Sources(ctx context.Context) ([]SourceState, error)

	// Contents says what the store ever recorded: any fact, any flow
	// minute.
	Contents(ctx context.Context) (Contents, error)

	// FirstFact returns the moment of the earliest fact, zero when there
	// is none: the map before it is empty.
	FirstFact(ctx context.Context) (time.Time, error)

	// FactsAt returns the versions valid at t (every source).
	FactsAt(ctx context.Context, t time.Time) ([]model.Version, error)

	// History returns every version, open or closed, whose subject or object
	// is one of ids, ordered by From.
	History(ctx context.Context, ids ...model.ID) ([]model.Version, error)

	// Events returns the events about subject, ordered by time.
	Events(ctx context.Context, subject model.ID) ([]model.Event, error)

	// Health returns the collection health f selects: per table of each
	// device, what the latest run of its source that read the device said
	// (Apply keeps it: a full snapshot replaces its source's rows, but for
	// the devices it keeps without reading; a scoped one those of the
	// devices its health names). Ordered by source, then as written.
	Health(ctx context.Context, f HealthFilter) ([]Health, error)

	// WriteFlows records per-minute traffic aggregates in one transaction:
	// a minute, link or key already stored gets the counters added (sums
	// saturate at 2^63-1), so the store is a flow.Sink that late records
	// can be written to again. Start is truncated to the minute. A zero
	// Start, a link without a port or with a direction other than in or
	// out is rejected with an error wrapping ErrInvalidFlows, and nothing
	// is recorded.
	WriteFlows(ctx context.Context, minutes []flow.Minute, links []flow.LinkMinute) error

	// FlowMinutes returns the stored flow minutes that f selects, ordered
	// by minute.
	FlowMinutes(ctx context.Context, f FlowFilter) ([]flow.Minute, error)

	// FlowTotals returns the flow minutes that f selects summed over the
	// window, one per key (endpoints, protocol, destination port); Start is
	// the first minute the key has in the window. Ordered by bytes, largest
	// first.
	FlowTotals(ctx context.Context, f FlowFilter) ([]flow.Minute, error)

	// LinkMinutes returns the link minutes starting in [from, to), ordered
	// by minute.
	LinkMinutes(ctx context.Context, from, to time.Time) ([]flow.LinkMinute, error)

	// LinkTotals returns the link minutes starting in [from, to) summed per
	// port, port-channel and direction; Start is the first minute of each
	// in the window. Ordered by port, then direction.
	LinkTotals(ctx context.Context, from, to time.Time) ([]flow.LinkMinute, error)

	// WriteCounters records per-minute interface counters of switch ports
	// (sFlow counter samples) in one transaction, adding to a minute
	// already stored like WriteFlows, so the store is a flow.CounterSink.
	// A zero Start, an empty Port or a negative Covered is rejected with an
	// error wrapping ErrInvalidFlows, and nothing is recorded.
	WriteCounters(ctx context.Context, counters []flow.PortCounters) error

	// PortCounterMinutes returns the port counter minutes starting in
	// [from, to) (a zero to is no upper bound), ordered by minute, then
	// port.
	PortCounterMinutes(ctx context.Context, from, to time.Time) ([]flow.PortCounters, error)

	// PruneFlows deletes the flow, link and port counter minutes that
	// start before before, and returns how many rows it deleted.
	PruneFlows(ctx context.Context, before time.Time) (int64, error)

	// Acquire takes or renews the lease name for holder until now+ttl and
	// reports whether holder holds it: it succeeds when the lease is free,
	// already holder's, or expired. Processes sharing one database use
	// leases so that each source is polled by one of them at a time.
	Acquire(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)

	// Release gives the lease up if holder holds it.
	Release(ctx context.Context, name, holder string) error

	// Holder returns who holds the lease name at now, "" when nobody does.
	Holder(ctx context.Context, name string, now time.Time) (string, error)

	// CreateToken records an API token (its hash, never the token); a name
	// used by a token not revoked yields ErrTokenExists.
	CreateToken(ctx context.Context, t Token) error

	// Tokens returns every API token, revoked ones included, without
	// their hashes.
	Tokens(ctx context.Context) ([]Token, error)

	// TokenByHash returns the API token whose hash is hash, revoked or
	// expired ones included, or ErrNoToken.
	TokenByHash(ctx context.Context, hash string) (Token, error)

	// RevokeToken revokes the API token named name at at, or returns
	// ErrNoToken when no token of that name is in use.
	RevokeToken(ctx context.Context, name string, at time.Time) error

	// AckFinding records the acknowledgement of a finding, replacing an
	// earlier one of the same finding.
	AckFinding(ctx context.Context, a Ack) error

	// Acks returns every acknowledgement of a finding.
	Acks(ctx context.Context) ([]Ack, error)

	// SeeFindings records that the findings ids (check.Finding.ID) were
	// seen at t: the first moment of those never seen, the last of all.
	SeeFindings(ctx context.Context, ids []string, t time.Time) error

	// FindingsSeen returns when each finding recorded by SeeFindings was
	// first and last seen, by finding ID.
	FindingsSeen(ctx context.Context) (map[string]FindingSeen, error)

	// Close releases the database.
	Close() error
}

// ErrInvalidFlows is wrapped by WriteFlows' error for aggregates that cannot
// be recorded as given (a bug of the writer); the message names the row.
var ErrInvalidFlows = errors.New("store: invalid flow aggregates")

// FlowFilter selects stored flow minutes: those starting in [From, To) and,
// when VM or App is set, those with that VM (model ID) or that application
// (one of the comma-separated names of flow.Endpoint.App) on either side
// (both, when both are set). A zero To is no upper bound.
type FlowFilter struct {
	From, To time.Time
	VM       string
	App      string
}

// Contents is what a store ever recorded (see Store.Contents).
type Contents struct {
	// Facts: a version of a fact, valid now or in the past.
	Facts bool `json:"facts"`
	// Flows: a flow, link or port counter minute.
	Flows bool `json:"flows"`
}

// ApplyStats says what an Apply changed: versions opened, versions closed
// (or removed, see Apply), facts left unchanged, and events newly stored.
type ApplyStats struct {
	Opened    int `json:"opened"`
	Closed    int `json:"closed"`
	Unchanged int `json:"unchanged"`
	Events    int `json:"events"`
}

// SourceState is the health of one source as the store knows it.
type SourceState struct {
	Name        string    `json:"name"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	Stale       bool      `json:"stale"`
	LastError   string    `json:"last_error,omitempty"`
	// SkippedRows and FailedTables add up the source's collection health
	// (see Store.Health): rows its devices' tables answered that were
	// skipped, and tables that failed wholly or part way.
	SkippedRows  int `json:"skipped_rows,omitempty"`
	FailedTables int `json:"failed_tables,omitempty"`
}
