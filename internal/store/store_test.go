package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

// t0 is the origin of test time: tests speak in minutes after it.
var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

// at returns the moment min minutes after t0.
func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func vmID(name string) model.ID   { return model.NewID(model.KindVM, name) }
func hostID(name string) model.ID { return model.NewID(model.KindHost, name) }

// vm is a VM entity fact owned by the VM.
func vm(name, power string) model.Fact {
	return model.Entity(vmID(name), vmID(name), name, model.Attrs{"power": power})
}

// host is a host entity fact owned by the host.
func host(name string) model.Fact {
	return model.Entity(hostID(name), hostID(name), name, nil)
}

// runsOn is a placement fact owned by the VM.
func runsOn(vmName, hostName string) model.Fact {
	return model.Relation(vmID(vmName), vmID(vmName), model.RelRunsOn, hostID(hostName), nil)
}

// ip is an IP address fact owned by a VM.
func ip(owner, addr string) model.Fact {
	id := model.NewID(model.KindIP, addr)
	return model.Entity(vmID(owner), id, addr, nil)
}

// full is a full snapshot of source taken min minutes after t0.
func full(source string, min int, facts ...model.Fact) model.Snapshot {
	return model.Snapshot{Source: source, Taken: at(min), Facts: facts}
}

// scoped is a snapshot of source for the VMs named in scope.
func scoped(source string, min int, scope []string, facts ...model.Fact) model.Snapshot {
	snap := full(source, min, facts...)
	for _, name := range scope {
		snap.Scope = append(snap.Scope, vmID(name))
	}
	return snap
}

// describe renders a version for comparisons: source, key, owner when it is
// not the subject, name, attributes and interval in minutes after t0.
func describe(v model.Version) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", v.Source, v.Key())
	if v.Owner != v.Subject {
		fmt.Fprintf(&b, " <%s>", v.Owner)
	}
	if v.Name != "" {
		fmt.Fprintf(&b, " %s", v.Name)
	}
	for _, k := range slices.Sorted(maps.Keys(v.Attrs)) {
		fmt.Fprintf(&b, " %s=%s", k, v.Attrs[k])
	}
	fmt.Fprintf(&b, " [%s,", minutes(v.From))
	if !v.Open() {
		b.WriteString(minutes(v.To))
	}
	b.WriteString(")")
	return b.String()
}

// minutes renders t as minutes after t0.
func minutes(t time.Time) string {
	return fmt.Sprint(t.Sub(t0).Minutes())
}

func describeAll(vs []model.Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = describe(v)
	}
	return out
}

// diff returns a line per string missing from got ("+") or unexpected in
// it ("-"), comparing as multisets; "" when they match.
func diff(got, want []string) string {
	count := map[string]int{}
	for _, s := range got {
		count[s]++
	}
	for _, s := range want {
		count[s]--
	}
	var lines []string
	for _, s := range slices.Sorted(maps.Keys(count)) {
		for ; count[s] > 0; count[s]-- {
			lines = append(lines, "-"+s)
		}
		for ; count[s] < 0; count[s]++ {
			lines = append(lines, "+"+s)
		}
	}
	return strings.Join(lines, "\n")
}

// everything returns every version of every subject the snapshots mention.
func everything(t *testing.T, s Store, snaps []model.Snapshot) []model.Version {
	t.Helper()
	var ids []model.ID
	for _, snap := range snaps {
		for _, f := range snap.Facts {
			ids = append(ids, f.Subject)
		}
	}
	vs, err := s.History(context.Background(), ids...)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	return vs
}

func TestApply(t *testing.T) {
	tests := []struct {
		name  string
		snaps []model.Snapshot
		// stats are those of the last Apply.
		stats ApplyStats
		// want is every version recorded, in any order.
		want []string
	}{{
		name: "first snapshot opens every fact",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on"), runsOn("a", "esx1"), host("esx1")),
		},
		stats: ApplyStats{Opened: 3},
		want: []string{
			"vc1 vm:a a power=on [1,)",
			"vc1 vm:a|runs_on|host:esx1 [1,)",
			"vc1 host:esx1 esx1 [1,)",
		},
	}, {
		name: "same snapshot again changes nothing",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on"), runsOn("a", "esx1"), host("esx1")),
			full("vc1", 2, vm("a", "on"), runsOn("a", "esx1"), host("esx1")),
		},
		stats: ApplyStats{Unchanged: 3},
		want: []string{
			"vc1 vm:a a power=on [1,)",
			"vc1 vm:a|runs_on|host:esx1 [1,)",
			"vc1 host:esx1 esx1 [1,)",
		},
	}, {
		name: "absent fact is closed",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on"), vm("b", "on")),
			full("vc1", 2, vm("a", "on")),
		},
		stats: ApplyStats{Closed: 1, Unchanged: 1},
		want: []string{
			"vc1 vm:a a power=on [1,)",
			"vc1 vm:b b power=on [1,2)",
		},
	}, {
		name: "changed fact is closed and reopened",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on"), runsOn("a", "esx1")),
			full("vc1", 2, vm("a", "off"), runsOn("a", "esx1")),
		},
		stats: ApplyStats{Opened: 1, Closed: 1, Unchanged: 1},
		want: []string{
			"vc1 vm:a a power=on [1,2)",
			"vc1 vm:a a power=off [2,)",
			"vc1 vm:a|runs_on|host:esx1 [1,)",
		},
	}, {
		name: "fact that comes back gets a new version",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on")),
			full("vc1", 2),
			full("vc1", 3, vm("a", "on")),
		},
		stats: ApplyStats{Opened: 1},
		want: []string{
			"vc1 vm:a a power=on [1,2)",
			"vc1 vm:a a power=on [3,)",
		},
	}, {
		name: "scoped snapshot replaces the facts of its owners only",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on"), runsOn("a", "esx1"), vm("b", "on"), runsOn("b", "esx1"), host("esx1")),
			scoped("vc1", 2, []string{"a"}, vm("a", "on"), runsOn("a", "esx2")),
		},
		stats: ApplyStats{Opened: 1, Closed: 1, Unchanged: 1},
		want: []string{
			"vc1 vm:a a power=on [1,)",
			"vc1 vm:a|runs_on|host:esx1 [1,2)",
			"vc1 vm:a|runs_on|host:esx2 [2,)",
			"vc1 vm:b b power=on [1,)",
			"vc1 vm:b|runs_on|host:esx1 [1,)",
			"vc1 host:esx1 esx1 [1,)",
		},
	}, {
		name: "empty scoped snapshot closes every fact of its owners",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on"), runsOn("a", "esx1"), ip("a", "10.0.0.1"), vm("b", "on")),
			scoped("vc1", 2, []string{"a"}),
		},
		stats: ApplyStats{Closed: 3},
		want: []string{
			"vc1 vm:a a power=on [1,2)",
			"vc1 vm:a|runs_on|host:esx1 [1,2)",
			"vc1 ip:10.0.0.1 <vm:a> 10.0.0.1 [1,2)",
			"vc1 vm:b b power=on [1,)",
		},
	}, {
		name: "full snapshot keeps the facts of owners it could not read",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on"), runsOn("a", "esx1"), vm("b", "on"), runsOn("b", "esx1")),
			func() model.Snapshot {
				s := full("vc1", 2, vm("a", "off"))
				s.Keep, s.Failures = []model.ID{vmID("b")}, []string{"vm:b: timeout"}
				return s
			}(),
		},
		stats: ApplyStats{Opened: 1, Closed: 2},
		want: []string{
			"vc1 vm:a a power=on [1,2)",
			"vc1 vm:a a power=off [2,)",
			"vc1 vm:a|runs_on|host:esx1 [1,2)",
			"vc1 vm:b b power=on [1,)",
			"vc1 vm:b|runs_on|host:esx1 [1,)",
		},
	}, {
		name: "fact moving to an owner in scope leaves its old owner",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on"), ip("a", "10.0.0.1"), vm("b", "on")),
			scoped("vc1", 2, []string{"b"}, vm("b", "on"), ip("b", "10.0.0.1")),
		},
		stats: ApplyStats{Opened: 1, Closed: 1, Unchanged: 1},
		want: []string{
			"vc1 vm:a a power=on [1,)",
			"vc1 ip:10.0.0.1 <vm:a> 10.0.0.1 [1,2)",
			"vc1 ip:10.0.0.1 <vm:b> 10.0.0.1 [2,)",
			"vc1 vm:b b power=on [1,)",
		},
	}, {
		name: "full snapshot leaves other sources alone",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on")),
			full("vc2", 1, vm("a", "off")),
			full("vc1", 2),
		},
		stats: ApplyStats{Closed: 1},
		want: []string{
			"vc1 vm:a a power=on [1,2)",
			"vc2 vm:a a power=off [1,)",
		},
	}, {
		name: "late snapshot is recorded at the source's latest moment",
		snaps: []model.Snapshot{
			full("vc1", 2, vm("a", "on")),
			full("vc1", 5, vm("a", "on"), vm("b", "on")),
			full("vc1", 3, vm("a", "off"), vm("b", "on")),
		},
		stats: ApplyStats{Opened: 1, Closed: 1, Unchanged: 1},
		want: []string{
			"vc1 vm:a a power=on [2,5)",
			"vc1 vm:a a power=off [5,)",
			"vc1 vm:b b power=on [5,)",
		},
	}, {
		name: "snapshot at the moment of the previous one replaces it",
		snaps: []model.Snapshot{
			full("vc1", 1, vm("a", "on")),
			full("vc1", 2, vm("a", "on"), vm("b", "on")),
			full("vc1", 2, vm("a", "off")),
		},
		stats: ApplyStats{Opened: 1, Closed: 2},
		want: []string{
			"vc1 vm:a a power=on [1,2)",
			"vc1 vm:a a power=off [2,)",
		},
	}}
	eachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := openStore(t, b.dsn(t))
				var stats ApplyStats
				for i, snap := range tt.snaps {
					var err error
					if stats, err = s.Apply(context.Background(), snap); err != nil {
						t.Fatalf("Apply #%d: %v", i, err)
					}
				}
				if stats != tt.stats {
					t.Errorf("stats of the last Apply: got %+v; want %+v", stats, tt.stats)
				}
				if d := diff(describeAll(everything(t, s, tt.snaps)), tt.want); d != "" {
					t.Errorf("versions (-got +want):\n%s", d)
				}
			})
		}
	})
}

func TestApplyInvalid(t *testing.T) {
	tests := []struct {
		name string
		snap model.Snapshot
		// want is in the error message.
		want string
	}{{
		name: "no source",
		snap: full("", 1, vm("a", "on")),
		want: "no source name",
	}, {
		name: "no time",
		snap: model.Snapshot{Source: "vc1", Facts: []model.Fact{vm("a", "on")}},
		want: "no time taken",
	}, {
		name: "duplicate key",
		snap: full("vc1", 1, vm("a", "on"), runsOn("a", "esx1"), vm("a", "off")),
		want: `fact 2: duplicate key "vm:a"`,
	}, {
		name: "no subject",
		snap: full("vc1", 1, model.Fact{Kind: model.KindVM}),
		want: "fact 0: no subject",
	}, {
		name: "owner outside scope",
		snap: scoped("vc1", 1, []string{"a"}, vm("a", "on"), runsOn("b", "esx1")),
		want: `fact "vm:b|runs_on|host:esx1": owner "vm:b" outside the scope`,
	}, {
		name: "fact of an owner to keep",
		snap: func() model.Snapshot {
			s := full("vc1", 1, vm("a", "on"))
			s.Keep = []model.ID{vmID("a")}
			return s
		}(),
		want: `fact "vm:a": owner "vm:a" is to be kept, not restated`,
	}, {
		name: "event without key",
		snap: model.Snapshot{Source: "vc1", Taken: at(1), Events: []model.Event{{Time: at(1), Subject: vmID("a"), Type: "VmMigratedEvent"}}},
		want: "event 0 (VmMigratedEvent of vm:a): no key",
	}, {
		name: "event without time",
		snap: model.Snapshot{Source: "vc1", Taken: at(1), Events: []model.Event{{Key: "17", Subject: vmID("a")}}},
		want: `event "17": no time`,
	}, {
		name: "event of another source",
		snap: model.Snapshot{Source: "vc1", Taken: at(1), Events: []model.Event{{Source: "vc2", Key: "17", Time: at(1)}}},
		want: `event "17": from source "vc2"`,
	}}
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.Apply(ctx, tt.snap)
				if !errors.Is(err, ErrInvalidSnapshot) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Apply: got error %v; want ErrInvalidSnapshot saying %q", err, tt.want)
				}
			})
		}
		if got, err := s.Sources(ctx); err != nil || len(got) != 0 {
			t.Errorf("Sources after invalid snapshots: got %v, %v; want none", got, err)
		}
	})
}

func TestFactsAt(t *testing.T) {
	snaps := []model.Snapshot{
		full("vc1", 1, vm("a", "on"), runsOn("a", "esx1")),
		full("vc1", 3, vm("a", "off"), runsOn("a", "esx1")),
		full("vc1", 5, vm("b", "on")),
		full("vc2", 4, host("esx1")),
	}
	tests := []struct {
		name string
		at   time.Time
		want []string
	}{{
		name: "before anything",
		at:   at(0),
		want: nil,
	}, {
		name: "first moment",
		at:   at(1),
		want: []string{"vc1 vm:a a power=on [1,3)", "vc1 vm:a|runs_on|host:esx1 [1,5)"},
	}, {
		name: "last microsecond of a version",
		at:   at(3).Add(-time.Microsecond),
		want: []string{"vc1 vm:a a power=on [1,3)", "vc1 vm:a|runs_on|host:esx1 [1,5)"},
	}, {
		name: "moment of a change",
		at:   at(3),
		want: []string{"vc1 vm:a a power=off [3,5)", "vc1 vm:a|runs_on|host:esx1 [1,5)"},
	}, {
		name: "two sources",
		at:   at(4),
		want: []string{"vc1 vm:a a power=off [3,5)", "vc1 vm:a|runs_on|host:esx1 [1,5)", "vc2 host:esx1 esx1 [4,)"},
	}, {
		name: "long after",
		at:   at(60 * 24 * 365),
		want: []string{"vc1 vm:b b power=on [5,)", "vc2 host:esx1 esx1 [4,)"},
	}}
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		for _, snap := range snaps {
			if _, err := s.Apply(ctx, snap); err != nil {
				t.Fatalf("Apply: %v", err)
			}
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				vs, err := s.FactsAt(ctx, tt.at)
				if err != nil {
					t.Fatalf("FactsAt: %v", err)
				}
				for _, v := range vs {
					if !v.ValidAt(tt.at) {
						t.Errorf("FactsAt returned %s, not valid at %s", describe(v), minutes(tt.at))
					}
				}
				if d := diff(describeAll(vs), tt.want); d != "" {
					t.Errorf("FactsAt(%s) (-got +want):\n%s", minutes(tt.at), d)
				}
			})
		}
	})
}

func TestHistory(t *testing.T) {
	app := model.NewID(model.KindApplication, "shop")
	snaps := []model.Snapshot{
		full("vc1", 1, vm("a", "on"), runsOn("a", "esx1"), vm("b", "on")),
		full("inventory", 2, model.Relation(app, app, model.RelContains, vmID("a"), nil)),
		full("vc1", 3, vm("a", "on"), runsOn("a", "esx2"), vm("b", "off")),
		full("vc1", 4, vm("a", "off"), runsOn("a", "esx2"), vm("b", "off")),
	}
	tests := []struct {
		name string
		ids  []model.ID
		want []string // in order
	}{{
		name: "none",
		ids:  nil,
		want: nil,
	}, {
		name: "unknown",
		ids:  []model.ID{vmID("zz")},
		want: nil,
	}, {
		name: "subject and object, by start",
		ids:  []model.ID{vmID("a")},
		want: []string{
			"vc1 vm:a a power=on [1,4)",
			"vc1 vm:a|runs_on|host:esx1 [1,3)",
			"inventory application:shop|contains|vm:a [2,)",
			"vc1 vm:a|runs_on|host:esx2 [3,)",
			"vc1 vm:a a power=off [4,)",
		},
	}, {
		name: "object only",
		ids:  []model.ID{hostID("esx2")},
		want: []string{"vc1 vm:a|runs_on|host:esx2 [3,)"},
	}, {
		name: "several, each version once",
		ids:  []model.ID{vmID("b"), hostID("esx1"), vmID("b")},
		want: []string{
			"vc1 vm:a|runs_on|host:esx1 [1,3)",
			"vc1 vm:b b power=on [1,3)",
			"vc1 vm:b b power=off [3,)",
		},
	}}
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		for _, snap := range snaps {
			if _, err := s.Apply(ctx, snap); err != nil {
				t.Fatalf("Apply: %v", err)
			}
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				vs, err := s.History(ctx, tt.ids...)
				if err != nil {
					t.Fatalf("History: %v", err)
				}
				if got := describeAll(vs); !slices.Equal(got, tt.want) {
					t.Errorf("History(%v):\ngot  %q\nwant %q", tt.ids, got, tt.want)
				}
			})
		}
	})
}

func TestEvents(t *testing.T) {
	migrated := func(key string, min int, vmName, user string) model.Event {
		return model.Event{Key: key, Time: at(min), Subject: vmID(vmName), Type: "VmMigratedEvent", User: user,
			Message: "Migration of " + vmName + " by " + user}
	}
	steps := []struct {
		name   string
		snap   model.Snapshot
		events int // ApplyStats.Events
	}{{
		name: "first events",
		snap: model.Snapshot{Source: "vc1", Taken: at(5), Events: []model.Event{
			migrated("101", 3, "a", "alice"), migrated("100", 1, "a", ""), migrated("102", 2, "b", "bob"),
		}},
		events: 3,
	}, {
		name: "seen again with a new one",
		snap: model.Snapshot{Source: "vc1", Taken: at(6), Events: []model.Event{
			migrated("101", 3, "a", "alice"), migrated("103", 4, "a", "carol"),
		}},
		events: 1,
	}, {
		name: "twice in one snapshot",
		snap: model.Snapshot{Source: "vc1", Taken: at(7), Events: []model.Event{
			migrated("104", 6, "c", ""), migrated("104", 6, "c", ""),
		}},
		events: 1,
	}, {
		name: "same key from another source",
		snap: model.Snapshot{Source: "vc2", Taken: at(8), Events: []model.Event{
			{Source: "vc2", Key: "101", Time: at(7), Subject: vmID("a"), Type: "VmRelocatedEvent"},
		}},
		events: 1,
	}}
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		for _, step := range steps {
			stats, err := s.Apply(ctx, step.snap)
			if err != nil {
				t.Fatalf("%s: Apply: %v", step.name, err)
			}
			if stats.Events != step.events {
				t.Errorf("%s: events stored: got %d; want %d", step.name, stats.Events, step.events)
			}
		}
		got, err := s.Events(ctx, vmID("a"))
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		want := []model.Event{
			{Source: "vc1", Key: "100", Time: at(1), Subject: vmID("a"), Type: "VmMigratedEvent", Message: "Migration of a by "},
			{Source: "vc1", Key: "101", Time: at(3), Subject: vmID("a"), Type: "VmMigratedEvent", User: "alice", Message: "Migration of a by alice"},
			{Source: "vc1", Key: "103", Time: at(4), Subject: vmID("a"), Type: "VmMigratedEvent", User: "carol", Message: "Migration of a by carol"},
			{Source: "vc2", Key: "101", Time: at(7), Subject: vmID("a"), Type: "VmRelocatedEvent"},
		}
		if !slices.Equal(got, want) {
			t.Errorf("Events(vm:a):\ngot  %+v\nwant %+v", got, want)
		}
	})
}

func TestMarkFailed(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		facts := []string{"vc1 vm:a a power=on [1,)"}
		steps := []struct {
			name string
			do   func() error
			// sources is Sources() afterwards; facts are the facts valid at 10.
			sources []SourceState
		}{{
			name: "success",
			do:   func() error { _, err := s.Apply(ctx, full("vc1", 1, vm("a", "on"))); return err },
			sources: []SourceState{
				{Name: "vc1", LastSuccess: at(1), LastAttempt: at(1)},
			},
		}, {
			name: "failure keeps the facts and marks the source stale",
			do:   func() error { return s.MarkFailed(ctx, "vc1", at(2), errors.New("vsphere: login: connection refused")) },
			sources: []SourceState{
				{Name: "vc1", LastSuccess: at(1), LastAttempt: at(2), Stale: true, LastError: "vsphere: login: connection refused"},
			},
		}, {
			name: "failure of a source never seen",
			do:   func() error { return s.MarkFailed(ctx, "sw1", at(3), errors.New("snmp: timeout")) },
			sources: []SourceState{
				{Name: "sw1", LastAttempt: at(3), Stale: true, LastError: "snmp: timeout"},
				{Name: "vc1", LastSuccess: at(1), LastAttempt: at(2), Stale: true, LastError: "vsphere: login: connection refused"},
			},
		}, {
			name: "partial success keeps the unread owner and stays stale",
			do: func() error {
				snap := full("vc1", 3, vm("a", "on"))
				snap.Keep, snap.Failures = []model.ID{vmID("z")}, []string{"switch leaf9: timeout", "leaf8 fdb: no such object"}
				_, err := s.Apply(ctx, snap)
				return err
			},
			sources: []SourceState{
				{Name: "sw1", LastAttempt: at(3), Stale: true, LastError: "snmp: timeout"},
				{Name: "vc1", LastSuccess: at(3), LastAttempt: at(3), Stale: true, LastError: "switch leaf9: timeout; leaf8 fdb: no such object"},
			},
		}, {
			name: "success clears stale",
			do:   func() error { _, err := s.Apply(ctx, full("vc1", 4, vm("a", "on"))); return err },
			sources: []SourceState{
				{Name: "sw1", LastAttempt: at(3), Stale: true, LastError: "snmp: timeout"},
				{Name: "vc1", LastSuccess: at(4), LastAttempt: at(4)},
			},
		}}
		for _, step := range steps {
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			got, err := s.Sources(ctx)
			if err != nil {
				t.Fatalf("%s: Sources: %v", step.name, err)
			}
			if !slices.Equal(got, step.sources) {
				t.Errorf("%s: Sources:\ngot  %+v\nwant %+v", step.name, got, step.sources)
			}
			vs, err := s.FactsAt(ctx, at(10))
			if err != nil {
				t.Fatalf("%s: FactsAt: %v", step.name, err)
			}
			if d := diff(describeAll(vs), facts); d != "" {
				t.Errorf("%s: FactsAt(10) (-got +want):\n%s", step.name, d)
			}
		}
		if err := s.MarkFailed(ctx, "", at(5), nil); err == nil {
			t.Errorf("MarkFailed without a source: got no error; want one")
		}
	})
}

func TestTimes(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	taken := time.Date(2025, 7, 14, 9, 30, 15, 123456789, paris)
	want := time.Date(2025, 7, 14, 7, 30, 15, 123456000, time.UTC)
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		snap := full("vc1", 0, vm("a", "on"))
		snap.Taken = taken
		snap.Events = []model.Event{{Key: "1", Time: taken, Subject: vmID("a")}}
		if _, err := s.Apply(ctx, snap); err != nil {
			t.Fatalf("Apply: %v", err)
		}
		vs, err := s.FactsAt(ctx, want)
		if err != nil || len(vs) != 1 {
			t.Fatalf("FactsAt(%s): got %d versions, %v; want 1", want, len(vs), err)
		}
		events, err := s.Events(ctx, vmID("a"))
		if err != nil || len(events) != 1 {
			t.Fatalf("Events: got %d, %v; want 1", len(events), err)
		}
		sources, err := s.Sources(ctx)
		if err != nil || len(sources) != 1 {
			t.Fatalf("Sources: got %d, %v; want 1", len(sources), err)
		}
		for what, got := range map[string]time.Time{
			"version from": vs[0].From, "event time": events[0].Time,
			"last success": sources[0].LastSuccess, "last attempt": sources[0].LastAttempt,
		} {
			if got != want {
				t.Errorf("%s: got %v; want %v", what, got, want)
			}
		}
		if vs, err := s.FactsAt(ctx, want.Add(-time.Microsecond)); err != nil || len(vs) != 0 {
			t.Errorf("FactsAt a microsecond earlier: got %d versions, %v; want none", len(vs), err)
		}
	})
}

func TestReopen(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dsn := b.dsn(t)
		first, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if _, err := first.Apply(ctx, full("vc1", 1, vm("a", "on"))); err != nil {
			t.Fatalf("Apply: %v", err)
		}
		if err := first.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		s := openStore(t, dsn)
		vs, err := s.FactsAt(ctx, at(2))
		if err != nil {
			t.Fatalf("FactsAt: %v", err)
		}
		if d := diff(describeAll(vs), []string{"vc1 vm:a a power=on [1,)"}); d != "" {
			t.Errorf("facts after reopening (-got +want):\n%s", d)
		}
		ms, err := loadMigrations(s.d)
		if err != nil {
			t.Fatal(err)
		}
		var applied, latest int
		if err := s.db.QueryRow("SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&applied, &latest); err != nil {
			t.Fatalf("read schema_migrations: %v", err)
		}
		if applied != len(ms) || latest != len(ms) {
			t.Errorf("schema_migrations after two opens: got %d rows up to version %d; want %d", applied, latest, len(ms))
		}

		if _, err := s.db.Exec(s.d.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future', 0)"), len(ms)+1); err != nil {
			t.Fatalf("insert future migration: %v", err)
		}
		if newer, err := Open(ctx, dsn); !errors.Is(err, ErrNewerSchema) {
			if err == nil {
				newer.Close()
			}
			t.Errorf("Open of a newer schema: got error %v; want ErrNewerSchema", err)
		}
	})
}

func TestMigrations(t *testing.T) {
	for _, d := range []dialect{sqliteDialect, postgresDialect} {
		ms, err := loadMigrations(d)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		for i, m := range ms {
			if m.version != i+1 || len(m.stmts) == 0 {
				t.Errorf("%s: migration %d: got version %d with %d statements; want version %d with some", d.name, i, m.version, len(m.stmts), i+1)
			}
			for _, stmt := range m.stmts {
				if strings.Contains(stmt, "{{") {
					t.Errorf("%s: migration %s: unexpanded placeholder in %q", d.name, m.name, stmt)
				}
			}
		}
	}
}

func TestMemory(t *testing.T) {
	s := openStore(t, "sqlite::memory:")
	ctx := context.Background()
	if _, err := s.Apply(ctx, full("vc1", 1, vm("a", "on"))); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	vs, err := s.FactsAt(ctx, at(1))
	if err != nil || len(vs) != 1 {
		t.Errorf("FactsAt: got %d versions, %v; want 1", len(vs), err)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		dsn  string
		is   error
		want string // in the message
	}{{
		name: "empty",
		dsn:  "",
		is:   ErrUnknownDSN,
		want: `""`,
	}, {
		name: "unknown scheme, password redacted",
		dsn:  "mysql://vnetmap:hunter2@db.example/vnetmap",
		is:   ErrUnknownDSN,
		want: `"mysql://vnetmap:xxxxx@db.example/vnetmap"`,
	}, {
		name: "sqlite without path",
		dsn:  "sqlite:",
		want: "sqlite:: empty path",
	}, {
		name: "sqlite in a missing directory",
		dsn:  "sqlite:" + t.TempDir() + "/missing/vnetmap.db",
		want: "missing/vnetmap.db",
	}, {
		name: "postgres unreachable, password redacted",
		dsn:  "postgres://vnetmap:hunter2@127.0.0.1:1/vnetmap?sslmode=disable&connect_timeout=5",
		want: "postgres://vnetmap:xxxxx@127.0.0.1:1/vnetmap",
	}, {
		name: "postgres unreachable, password parameter redacted",
		dsn:  "postgresql://vnetmap@127.0.0.1:1/vnetmap?password=hunter2&sslmode=disable",
		want: "password=xxxxx",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := Open(ctx, tt.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q): got no error; want one", tt.dsn)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Open(%q): got %v; want %v", tt.dsn, err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%q): got %q; want it to say %q", tt.dsn, err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Open(%q): got %q; want the password redacted", tt.dsn, err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"sqlite", "sqlite:/var/lib/vnetmap.db", "sqlite:/var/lib/vnetmap.db"},
		{"no password", "postgres://vnetmap@db/vnetmap?sslmode=disable", "postgres://vnetmap@db/vnetmap?sslmode=disable"},
		{"user password", "postgres://vnetmap:s3cr%40t@db:5432/vnetmap", "postgres://vnetmap:xxxxx@db:5432/vnetmap"},
		{"query password", "postgres://db/vnetmap?user=v&password=s3cret", "postgres://db/vnetmap?password=xxxxx&user=v"},
		{"keyword form", "host=db password=s3cret user=v", "host=db password=xxxxx user=v"},
		{"unparsable URL", "postgres://v:s3cr%zz@db/x", "postgres://v:xxxxx@db/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redact(tt.dsn); got != tt.want {
				t.Errorf("redact(%q): got %q; want %q", tt.dsn, got, tt.want)
			}
		})
	}
}

// TestConcurrent applies snapshots of several sources, two writers per
// source, while readers query; run it with -race.
func TestConcurrent(t *testing.T) {
	const (
		sources = 3
		rounds  = 10
	)
	eachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.dsn(t))
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 2*sources*rounds+4*rounds)
		for src := range sources {
			for writer := range 2 {
				wg.Go(func() {
					name := fmt.Sprintf("vc%d", src)
					for round := range rounds {
						power := []string{"on", "off"}[(round+writer)%2]
						snap := full(name, round, vm("a", power), runsOn("a", fmt.Sprintf("esx%d", round%3)), vm("b", power))
						if _, err := s.Apply(ctx, snap); err != nil {
							errs <- err
						}
					}
				})
			}
		}
		for range 2 {
			wg.Go(func() {
				for round := range rounds {
					if _, err := s.FactsAt(ctx, at(round)); err != nil {
						errs <- err
					}
					if _, err := s.History(ctx, vmID("a")); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		vs, err := s.FactsAt(ctx, at(rounds+1))
		if err != nil {
			t.Fatalf("FactsAt: %v", err)
		}
		keys := map[string]int{}
		for _, v := range vs {
			keys[v.Source+" "+v.Key()]++
		}
		if len(keys) != 3*sources || len(vs) != 3*sources {
			t.Errorf("open facts after concurrent applies: got %d versions of %d keys; want %d of %d", len(vs), len(keys), 3*sources, 3*sources)
		}
	})
}
