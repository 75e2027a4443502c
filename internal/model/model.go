// Package model defines what vnetmap knows: entity and relation kinds, stable
// IDs, facts with their source and validity interval, and snapshots.
//
// It is not for storage or correlation: the store persists facts and the
// graph package indexes them; this package only names things.
package model

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
)

// Kind is the kind of an entity.
type Kind string

// Entity kinds (DESIGN.md "Model").
const (
	KindApplication Kind = "application"
	KindDatacenter  Kind = "datacenter"
	KindCluster     Kind = "cluster"
	KindHost        Kind = "host"
	KindPNIC        Kind = "pnic"
	KindHostLAG     Kind = "hostlag"
	KindVSwitch     Kind = "vswitch"
	KindDVSwitch    Kind = "dvswitch"
	KindPortgroup   Kind = "portgroup"
	KindVM          Kind = "vm"
	KindVNIC        Kind = "vnic"
	KindIP          Kind = "ip"
	KindVLAN        Kind = "vlan"
	KindSwitch      Kind = "switch"
	KindPort        Kind = "port"
	KindPortChannel Kind = "portchannel"
	KindMAC         Kind = "mac" // a MAC address seen in a switch forwarding table
)

// RelKind is the kind of a directed relation between two entities.
type RelKind string

// Relation kinds. The comment gives the direction From → To.
const (
	RelContains  RelKind = "contains"   // datacenter → cluster, cluster → host, application → vm
	RelRunsOn    RelKind = "runs_on"    // vm → host
	RelHasVNIC   RelKind = "has_vnic"   // vm → vnic
	RelAttached  RelKind = "attached"   // vnic → portgroup
	RelHasIP     RelKind = "has_ip"     // vnic → ip
	RelMemberOf  RelKind = "member_of"  // portgroup → vswitch or dvswitch
	RelHasPNIC   RelKind = "has_pnic"   // host → pnic
	RelHasSwitch RelKind = "has_switch" // host → vswitch, or host → dvswitch (membership)
	RelUplink    RelKind = "uplink"     // vswitch/dvswitch → pnic (attrs: uplink name, lag)
	RelHasLAG    RelKind = "has_lag"    // dvswitch → hostlag (LACP group)
	RelCabled    RelKind = "cabled"     // pnic → port
	RelInLAG     RelKind = "in_lag"     // port → portchannel
	RelCarries   RelKind = "carries"    // port → vlan
	RelHasPort   RelKind = "has_port"   // switch → port
	RelLink      RelKind = "link"       // port → port (inter-switch link)
	RelLearned   RelKind = "learned"    // port → mac (forwarding-table entry; attrs: vlan)
	RelARP       RelKind = "arp"        // switch → ip (ARP/ND entry; attrs: mac, interface, vlan)
)

// ID is a stable entity identifier: the kind, a colon, and a key that is
// stable across collections of the same object ("vm:4201…", "pnic:esx01/vmnic0").
type ID string

// NewID joins a kind and key parts into an ID; parts are joined with "/".
func NewID(k Kind, parts ...string) ID {
	return ID(string(k) + ":" + strings.Join(parts, "/"))
}

// Kind returns the kind prefix of the ID, or "" when it has none.
func (id ID) Kind() Kind {
	k, _, ok := strings.Cut(string(id), ":")
	if !ok {
		return ""
	}
	return Kind(k)
}

// Key returns the part of the ID after the kind.
func (id ID) Key() string {
	_, key, _ := strings.Cut(string(id), ":")
	return key
}

// Attrs are the attributes of an entity or relation. Values are strings;
// lists are comma-separated in a stable order.
type Attrs map[string]string

// SplitList splits a list attribute ("a, b,c") into its trimmed items; an
// empty attribute is an empty list.
func SplitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// Fact is one statement of a source: an entity with its attributes, or a
// relation between two entities with its attributes. Exactly one of the two
// shapes is used: a relation when Rel is set, else an entity.
type Fact struct {
	// Owner is the entity whose collection produced the fact (a VM for its
	// vNICs and placement, a host for its pNICs). A scoped snapshot replaces
	// the facts of its owners only.
	Owner ID `json:"owner,omitempty"`

	// Entity fields: Subject is the entity, Kind its kind, Name its display name.
	Subject ID     `json:"subject"`
	Kind    Kind   `json:"kind,omitempty"`
	Name    string `json:"name,omitempty"`

	// Relation fields: Subject -Rel-> Object.
	Rel    RelKind `json:"rel,omitempty"`
	Object ID      `json:"object,omitempty"`

	Attrs Attrs `json:"attrs,omitempty"`
}

// IsRelation reports whether the fact is a relation rather than an entity.
func (f Fact) IsRelation() bool { return f.Rel != "" }

// Key identifies the fact within its source: two facts with the same key
// are versions of the same statement (an entity's attributes changing).
func (f Fact) Key() string {
	if f.IsRelation() {
		return string(f.Subject) + "|" + string(f.Rel) + "|" + string(f.Object)
	}
	return string(f.Subject)
}

// Hash is a digest of everything in the fact, used to tell whether a
// statement changed between two collections.
func (f Fact) Hash() string {
	h := sha256.New()
	write := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	write(string(f.Owner))
	write(f.Key())
	write(string(f.Kind))
	write(f.Name)
	keys := make([]string, 0, len(f.Attrs))
	for k := range f.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		write(k)
		write(f.Attrs[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Entity returns an entity fact.
func Entity(owner, id ID, name string, attrs Attrs) Fact {
	return Fact{Owner: owner, Subject: id, Kind: id.Kind(), Name: name, Attrs: attrs}
}

// Relation returns a relation fact.
func Relation(owner, from ID, rel RelKind, to ID, attrs Attrs) Fact {
	return Fact{Owner: owner, Subject: from, Rel: rel, Object: to, Attrs: attrs}
}

// Snapshot is what one source run delivers. A full snapshot (Scope empty)
// replaces every open fact of the source; a scoped snapshot replaces only the
// open facts whose Owner is in Scope (a delta, e.g. one VM re-read after a
// live migration).
//
// Keep names owners the source could not read this run (a switch that timed
// out, one table of a switch): their open facts stay as they are, as after a
// failed run, and Failures says why, one line per failure.
type Snapshot struct {
	Source   string    `json:"source"`
	Taken    time.Time `json:"taken"`
	Scope    []ID      `json:"scope,omitempty"`
	Keep     []ID      `json:"keep,omitempty"`
	Failures []string  `json:"failures,omitempty"`
	// Health is what each table of each device answered (sources that read
	// devices table by table); it is reported, not stored as facts.
	Health []TableHealth `json:"health,omitempty"`
	Facts  []Fact        `json:"facts"`
	Events []Event       `json:"events,omitempty"`
}

// Event is something that happened at a moment rather than a state: a live
// migration with who did it and why.
type Event struct {
	Source  string    `json:"source"`
	Time    time.Time `json:"time"`
	Subject ID        `json:"subject"`
	Type    string    `json:"type"`
	User    string    `json:"user,omitempty"`
	Message string    `json:"message,omitempty"`
	// Key deduplicates an event seen twice (the source's own event key).
	Key string `json:"key"`
}

// Version is a fact together with the source that stated it and its
// validity interval [From, To). To is zero while the fact is still valid.
type Version struct {
	Fact
	Source string    `json:"source"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to,omitzero"`
}

// Open reports whether the version is still valid.
func (v Version) Open() bool { return v.To.IsZero() }

// ValidAt reports whether the version was valid at t.
func (v Version) ValidAt(t time.Time) bool {
	return !t.Before(v.From) && (v.To.IsZero() || t.Before(v.To))
}

// TableHealth is what one table of one device answered in one source run:
// how many rows were read, kept and skipped (by reason, with one example),
// and whether the table failed part way (what was read before is kept).
// Sources that read devices table by table (SNMP) report it per device so
// that a switch that looks wrong shows why (collection health).
type TableHealth struct {
	Device   ID             `json:"device"`            // the switch (or other device) read
	Address  string         `json:"address,omitempty"` // where it was read
	Group    string         `json:"group,omitempty"`   // the table group its facts belong to (if, lldp, fdb…)
	Table    string         `json:"table"`             // the table's MIB name (ifXTable, lldpRemTable…)
	Rows     int            `json:"rows"`              // rows read
	Kept     int            `json:"kept"`              // rows that became facts
	Skipped  int            `json:"skipped"`           // rows skipped, by reason in Reasons
	Reasons  map[string]int `json:"reasons,omitempty"` // reason → rows
	Example  string         `json:"example,omitempty"` // one skipped row and its reason
	Error    string         `json:"error,omitempty"`   // the table (or part of it) failed: why
	Duration time.Duration  `json:"duration_ns"`       // time spent reading it
}
