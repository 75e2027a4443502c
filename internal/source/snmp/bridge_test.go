package snmp

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/vnetmap/vnetmap/internal/model"
)

// The bridge-*.snmprec fixtures reproduce what real agents send in the
// BRIDGE-MIB, Q-BRIDGE-MIB and Cisco VTP tables (issue 13, causes 3, 6 and
// 7, and the quirks of the real-device corpus): each is served alone by
// snmpsimd on bridgeAddr.

const bridgeAddr = "127.0.0.41"

// bridgeFixture reads testdata/<name>.snmprec, applying the replacements
// old → new (a table made to fail by a delay variation, say).
func bridgeFixture(t *testing.T, name string, replace ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".snmprec"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("%s: no %q to replace", name, replace[i])
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	return []byte(s)
}

// collectBridge serves files (community suffix → file) on bridgeAddr and
// collects that one device.
func collectBridge(t *testing.T, files map[string][]byte, tune func(*Configuration)) model.Snapshot {
	t.Helper()
	byCommunity := map[string][]byte{}
	for suffix, b := range files {
		byCommunity["public"+suffix] = b
	}
	sim := startSim(t, []string{bridgeAddr}, map[string]map[string][]byte{bridgeAddr: byCommunity}, nil)
	cfg := testConfig(t, sim.port, bridgeAddr)
	cfg.Discovery.Enabled = false
	if tune != nil {
		tune(&cfg)
	}
	snap, _, err := collect(t, cfg)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return snap
}

// health returns the counters of one table of switch sw in a snapshot.
func health(snap model.Snapshot, sw, table string) model.TableHealth {
	for _, h := range snap.Health {
		if h.Device == model.NewID(model.KindSwitch, sw) && h.Table == table {
			return h
		}
	}
	return model.TableHealth{}
}

// learned maps each MAC a switch learned to "port vlan" (vlan "-" when
// unknown).
func learned(snap model.Snapshot, sw string) map[string]string {
	out := map[string]string{}
	for _, f := range snap.Facts {
		if f.Rel != model.RelLearned || !strings.HasPrefix(string(f.Owner), "switch:"+sw+"#") {
			continue
		}
		_, port, _ := strings.Cut(string(f.Subject), ":")
		_, port, _ = strings.Cut(port, "/")
		vlan := f.Attrs["vlan"]
		if vlan == "" {
			vlan = "-"
		}
		out[strings.TrimPrefix(string(f.Object), "mac:")] = port + " " + vlan
	}
	return out
}

// wantReasons checks a table's counters: rows read, kept, and skipped by
// reason.
func wantReasons(t *testing.T, h model.TableHealth, rows, kept int, reasons map[string]int) {
	t.Helper()
	if h.Table == "" {
		t.Errorf("table missing from the health")
		return
	}
	if h.Rows != rows || h.Kept != kept {
		t.Errorf("%s: got %d rows, %d kept; want %d, %d (%+v)", h.Table, h.Rows, h.Kept, rows, kept, h)
	}
	for r, n := range reasons {
		if h.Reasons[r] != n {
			t.Errorf("%s: got %d skipped for %q; want %d (reasons %v)", h.Table, h.Reasons[r], r, n, h.Reasons)
		}
	}
	sum := 0
	for _, n := range reasons {
		sum += n
	}
	if h.Skipped != sum {
		t.Errorf("%s: got %d skipped; want %d (reasons %v)", h.Table, h.Skipped, sum, h.Reasons)
	}
}

func equalMaps(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s %s: missing; want %q", what, k, w)
		} else if g != w {
			t.Errorf("%s %s: got %q; want %q", what, k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %s: got %q; want absent", what, k, g)
		}
	}
}

// TestFDBOddRows (cause 3): rows of dot1qTpFdbTable whose index is not a
// MAC, whose port is not an integer, 0, or a bridge port of no interface,
// or whose status is invalid are skipped and counted; the others are
// stated. An FDB id that is not a VLAN id (5000) keeps its entry without a
// VLAN, counted in dot1qVlanFdbId. Also the bridge ports, LAG and ARP
// tables' odd rows of the same fixture.
func TestFDBOddRows(t *testing.T) {
	snap := collectBridge(t, map[string][]byte{"": bridgeFixture(t, "bridge-fdbrows")}, nil)
	if len(snap.Keep) != 0 || len(snap.Failures) != 0 {
		t.Errorf("got keep %v failures %q; want none", snap.Keep, snap.Failures)
	}
	equalMaps(t, "learned", learned(snap, "qsw1"), map[string]string{
		"00:50:56:00:00:01": "Ethernet1 20",
		"00:50:56:00:00:05": "Ethernet2 30",
		"00:50:56:00:00:06": "Port-channel10 30",
		"00:50:56:00:00:07": "Ethernet3 -",
	})
	wantReasons(t, health(snap, "qsw1", "dot1qTpFdbTable"), 10, 4, map[string]int{
		whyNotMAC: 1, whyIndex: 1, "port is not an integer": 1, whyPortZero: 1, whyNoInterface: 1, whyInvalid: 1,
	})
	if h := health(snap, "qsw1", "dot1qTpFdbTable"); !strings.HasPrefix(h.Example, "20.0.80.86.0.0.2 ") {
		t.Errorf("dot1qTpFdbTable example %q; want the first skipped row's index", h.Example)
	}
	wantReasons(t, health(snap, "qsw1", "dot1qVlanFdbId"), 3, 2, map[string]int{"FDB id not in 1-4094": 1})
	wantReasons(t, health(snap, "qsw1", "dot1dBasePortIfIndex"), 6, 4, map[string]int{whyNoPort: 1, whyNotInteger: 1})

	var lags []string
	for _, f := range snap.Facts {
		if f.Rel == model.RelInLAG {
			lags = append(lags, string(f.Subject)+">"+string(f.Object))
		}
	}
	slices.Sort(lags)
	if want := []string{"port:qsw1/Ethernet1>portchannel:qsw1/Port-channel10", "port:qsw1/Ethernet2>portchannel:qsw1/Port-channel10"}; !slices.Equal(lags, want) {
		t.Errorf("got LAG members %v; want %v", lags, want)
	}
	wantReasons(t, health(snap, "qsw1", "dot3adAggPortAttachedAggID"), 5, 3, map[string]int{whyNotInteger: 1, whyNoPort: 1})

	var arp []string
	for _, f := range snap.Facts {
		if f.Rel == model.RelARP {
			arp = append(arp, string(f.Object)+" "+f.Attrs["mac"])
		}
	}
	if want := []string{"ip:192.0.2.1 00:50:56:00:00:11"}; !slices.Equal(arp, want) {
		t.Errorf("got ARP %v; want %v", arp, want)
	}
	wantReasons(t, health(snap, "qsw1", "ipNetToMediaTable"), 4, 1, map[string]int{
		"index is not an interface and address": 1, "incomplete (no MAC)": 1, "MAC is not an octet string": 1,
	})
}

// junosQBridge is the cause 7 fixture: FDB ids 2 and 3 are VLANs 110 and
// 120 through dot1qVlanFdbId; FDB id 4 is the one of a VLAN out of range
// (4095), FDB id 9 of none.
var junosWant = map[string]string{
	"00:50:56:00:01:01": "ge-0/0/0 110",
	"00:50:56:00:01:02": "ge-0/0/1 110",
	"00:50:56:00:01:03": "ge-0/0/2 120",
	"00:50:56:00:01:04": "ge-0/0/0 -",
	"00:50:56:00:01:05": "ge-0/0/1 -",
}

// TestFDBIDsJunos (cause 7): FDB ids that are not VLAN ids are mapped
// through dot1qVlanFdbId, and the mapping survives odd rows in every VLAN
// table (a static row with a bad index, a PVID that is not an integer, a
// current row of VLAN 4095); an FDB id with no mapping is counted, never
// stated as VLAN 4 or 9.
func TestFDBIDsJunos(t *testing.T) {
	snap := collectBridge(t, map[string][]byte{"": bridgeFixture(t, "bridge-junos")}, nil)
	if len(snap.Keep) != 0 || len(snap.Failures) != 0 {
		t.Errorf("got keep %v failures %q; want none", snap.Keep, snap.Failures)
	}
	equalMaps(t, "learned", learned(snap, "ex1"), junosWant)
	wantReasons(t, health(snap, "ex1", "dot1qVlanFdbId"), 4, 2, map[string]int{"FDB id not in dot1qVlanFdbId": 2})
	wantReasons(t, health(snap, "ex1", "dot1qVlanStaticTable"), 3, 2, map[string]int{whyIndex: 1})
	wantReasons(t, health(snap, "ex1", "dot1qVlanCurrentTable"), 3, 2, map[string]int{whyVLANRange: 1})
	wantReasons(t, health(snap, "ex1", "dot1qPvid"), 3, 2, map[string]int{whyNotInteger: 1})
	facts := byKey(snap)
	for _, tt := range []struct{ key, attr, want string }{
		{"port:ex1/ge-0/0/0", "mode", "access"},
		{"port:ex1/ge-0/0/0", "access_vlan", "110"},
		{"port:ex1/ge-0/0/1", "mode", "trunk"},
		{"port:ex1/ge-0/0/1", "allowed_vlans", "110,120"},
		{"port:ex1/ge-0/0/2", "access_vlan", "120"},
		{"vlan:ex1/110", "name", "app"},
	} {
		if got := facts[tt.key].Attrs[tt.attr]; got != tt.want {
			t.Errorf("%s %s: got %q; want %q", tt.key, tt.attr, got, tt.want)
		}
	}
	if _, ok := facts["vlan:ex1/4095"]; ok {
		t.Error("VLAN 4095 stated")
	}
}

// TestFDBIDsSurviveVLANFailures (cause 7, and VLAN tables failing must not
// lose the FDB): dot1qVlanCurrentTable times out. Before its
// dot1qVlanFdbId column is read whole, the FDB ids cannot be mapped: the
// FDB is stated without VLANs, each id counted. After it, the mapping
// stands. Either way the VLAN group keeps its previous facts (a table
// failed on time) and the FDB group states what it read.
func TestFDBIDsSurviveVLANFailures(t *testing.T) {
	tests := []struct {
		name, line, delayed string
		want                map[string]string
		why                 string
	}{
		{
			name:    "mapping column timed out",
			line:    "1.3.6.1.2.1.17.7.1.4.2.1.3.0.110|66|2",
			delayed: "1.3.6.1.2.1.17.7.1.4.2.1.3.0.110|66:delay|value=2,wait=3000",
			want: map[string]string{
				"00:50:56:00:01:01": "ge-0/0/0 -", "00:50:56:00:01:02": "ge-0/0/1 -", "00:50:56:00:01:03": "ge-0/0/2 -",
				"00:50:56:00:01:04": "ge-0/0/0 -", "00:50:56:00:01:05": "ge-0/0/1 -",
			},
			why: "FDB id not mapped: dot1qVlanCurrentTable not read",
		},
		{
			name:    "egress column timed out",
			line:    "1.3.6.1.2.1.17.7.1.4.2.1.4.0.120|4x|60",
			delayed: "1.3.6.1.2.1.17.7.1.4.2.1.4.0.120|4x:delay|hexvalue=60,wait=3000",
			want:    junosWant,
			why:     "FDB id not in dot1qVlanFdbId",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := collectBridge(t, map[string][]byte{"": bridgeFixture(t, "bridge-junos", tt.line, tt.delayed)}, func(cfg *Configuration) {
				cfg.MaxRepetitions = 1 // the rows before the delayed one come in answers of their own
			})
			if want := []model.ID{"switch:ex1#vlan", "switch:ex1#if"}; !sameIDs(snap.Keep, want) {
				t.Errorf("got keep %v; want %v", snap.Keep, want)
			}
			equalMaps(t, "learned", learned(snap, "ex1"), tt.want)
			if h := health(snap, "ex1", "dot1qVlanFdbId"); h.Reasons[tt.why] == 0 {
				t.Errorf("dot1qVlanFdbId reasons %v; want %q", h.Reasons, tt.why)
			}
			if h := health(snap, "ex1", "dot1qVlanCurrentTable"); !strings.Contains(h.Error, "after") {
				t.Errorf("dot1qVlanCurrentTable error %q; want the timeout", h.Error)
			}
		})
	}
}

func sameIDs(got, want []model.ID) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

// TestFDBTimeoutKeepsFDB: dot1qTpFdbTable times out part way: the group
// keeps its previous facts (half a table would close the facts of MACs
// still there), the rows read are counted with the error, and the VLAN
// group is stated.
func TestFDBTimeoutKeepsFDB(t *testing.T) {
	snap := collectBridge(t, map[string][]byte{"": bridgeFixture(t, "bridge-junos",
		"1.3.6.1.2.1.17.7.1.2.2.1.2.3.0.80.86.0.1.3|2|3", "1.3.6.1.2.1.17.7.1.2.2.1.2.3.0.80.86.0.1.3|2:delay|value=3,wait=3000")}, func(cfg *Configuration) {
		cfg.MaxRepetitions = 1
	})
	if want := []model.ID{"switch:ex1#fdb"}; !sameIDs(snap.Keep, want) {
		t.Errorf("got keep %v; want %v", snap.Keep, want)
	}
	if got := learned(snap, "ex1"); len(got) != 0 {
		t.Errorf("got FDB %v of a kept group", got)
	}
	if h := health(snap, "ex1", "dot1qTpFdbTable"); h.Rows != 2 || h.Error == "" {
		t.Errorf("dot1qTpFdbTable health %+v; want 2 rows read and the timeout", h)
	}
	if _, ok := byKey(snap)["vlan:ex1/110"]; !ok {
		t.Error("VLANs missing after an FDB timeout")
	}
}

// TestCiscoVLANContexts (cause 6): of a Cisco's per-VLAN contexts, VLAN 10
// answers, 110, 130, 140 and 150 do not (no community@vlan), 120 answers
// with no bridge port; after three silent contexts in a row, 160 is not
// tried; 200 (suspended) and 1002 (FDDI default) are not read. The default
// context and VLAN 10 are stated; every context is counted in "VLAN
// contexts", the first silent one as the example.
func TestCiscoVLANContexts(t *testing.T) {
	start := time.Now()
	snap := collectBridge(t, map[string][]byte{
		"":     bridgeFixture(t, "bridge-cisco"),
		"@10":  bridgeFixture(t, "bridge-cisco@10"),
		"@120": bridgeFixture(t, "bridge-cisco@120"),
	}, func(cfg *Configuration) {
		cfg.Timeout = time.Second
	})
	if len(snap.Keep) != 0 || len(snap.Failures) != 0 {
		t.Errorf("got keep %v failures %q; want none", snap.Keep, snap.Failures)
	}
	equalMaps(t, "learned", learned(snap, "cat1"), map[string]string{
		"00:50:56:00:00:01": "GigabitEthernet1/0/1 10", // in VLAN 10 and the default context: VLAN 10's
		"00:50:56:00:00:0a": "GigabitEthernet1/0/2 10",
		"00:50:56:00:00:09": "GigabitEthernet1/0/1 -", // the default context only
	})
	h := health(snap, "cat1", "VLAN contexts")
	wantReasons(t, h, 9, 1, map[string]int{
		"vlan context did not answer":                   4,
		"vlan context answered no bridge ports":         1,
		"not tried: 3 contexts in a row did not answer": 1,
		"VLAN not operational":                          1,
		"FDDI/Token Ring default VLAN":                  1,
	})
	if h.Example != "VLAN 110: vlan context did not answer" {
		t.Errorf("VLAN contexts example %q; want the first silent VLAN", h.Example)
	}
	// Four silent contexts cost one walk each (1 s, no retry), not two.
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("collection took %s; want the silent contexts bounded", d)
	}
	wantReasons(t, health(snap, "cat1", "vmVlan"), 2, 1, map[string]int{whyVLANRange: 1})
	wantReasons(t, health(snap, "cat1", "vlanTrunkPortTable"), 3, 1, map[string]int{whyNoPort: 1, "no trunking state": 1})
	wantReasons(t, health(snap, "cat1", "vtpVlanTable"), 10, 9, map[string]int{whyIndex: 1})
	facts := byKey(snap)
	if got := facts["port:cat1/GigabitEthernet1/0/1"].Attrs["allowed_vlans"]; got != "10" {
		t.Errorf("GigabitEthernet1/0/1 allowed_vlans: got %q; want 10", got)
	}
	if got := facts["port:cat1/GigabitEthernet1/0/2"].Attrs["access_vlan"]; got != "110" {
		t.Errorf("GigabitEthernet1/0/2 access_vlan: got %q; want 110", got)
	}
}

// TestFDBVLANs maps FDB ids to VLANs as each kind of agent means them.
func TestFDBVLANs(t *testing.T) {
	mapped := fdbVLANs{m: map[int]int{2: 110, 3: 120, 5: 130}, shared: map[int]bool{5: true}, why: "FDB id not in dot1qVlanFdbId"}
	identity := fdbVLANs{identity: true}
	junos := fdbVLANs{why: "FDB id not mapped: Junos without dot1qVlanFdbId"}
	tests := []struct {
		name string
		f    fdbVLANs
		fid  int
		vid  int
		why  string
	}{
		{"mapped", mapped, 2, 110, ""},
		{"mapped, id not in the map", mapped, 110, 0, "FDB id not in dot1qVlanFdbId"},
		{"shared learning", mapped, 5, 0, "FDB id shared by several VLANs"},
		{"identity", identity, 110, 110, ""},
		{"identity, id 0", identity, 0, 0, "FDB id not in 1-4094"},
		{"identity, id 5000", identity, 5000, 0, "FDB id not in 1-4094"},
		{"junos without a map", junos, 2, 0, "FDB id not mapped: Junos without dot1qVlanFdbId"},
	}
	for _, tt := range tests {
		if vid, why := tt.f.vlan(tt.fid); vid != tt.vid || why != tt.why {
			t.Errorf("%s: vlan(%d) = %d, %q; want %d, %q", tt.name, tt.fid, vid, why, tt.vid, tt.why)
		}
	}
}

// FuzzAddFDB feeds one forwarding-table row of any index and port value
// through addFDB under each kind of FDB id mapping: it never panics, counts
// the row kept or skipped, and states only MACs and VLANs that are valid.
func FuzzAddFDB(f *testing.F) {
	f.Add("2.0.80.86.0.1.1", int64(1), true, uint8(0))
	f.Add("0.80.86.0.1.300", int64(1), true, uint8(1))
	f.Add("5000.0.80.86.0.1.1", int64(0), false, uint8(2))
	f.Add("9.0.80.86.0.1", int64(3), true, uint8(0))
	f.Fuzz(func(t *testing.T, idx string, bport int64, integerPort bool, kind uint8) {
		v := gosnmp.SnmpPDU{Type: gosnmp.Integer, Value: int(bport)}
		if !integerPort {
			v = gosnmp.SnmpPDU{Type: gosnmp.OctetString, Value: []byte(idx)}
		}
		st := &tstat{}
		r := bridgeRead{t: table{idx: {2: v}}, st: st}
		ports := map[int]*port{1: {ifIndex: 1}, 3: {ifIndex: 3}}
		bp := map[int]int{1: 1, 2: 77, 3: 3}
		fdb := []fdbVLANs{
			{m: map[int]int{2: 110}, shared: map[int]bool{}, why: "FDB id not in dot1qVlanFdbId"},
			{identity: true},
			{why: "FDB id not mapped: Junos without dot1qVlanFdbId"},
		}[kind%3]
		split := func(c []uint32) (int, []uint32, bool) {
			if len(c) != 7 {
				return 0, nil, false
			}
			return int(c[0]), c[1:], true
		}
		if kind%2 == 1 {
			split = dot1dIndex(0)
		}
		ids := &tstat{}
		out := addFDB(r, bp, ports, split, fdb, ids)
		if st.h.Kept+st.h.Skipped != 1 || st.h.Kept != len(out) {
			t.Fatalf("index %q port %v: kept %d skipped %d entries %d; want the one row counted once", idx, v.Value, st.h.Kept, st.h.Skipped, len(out))
		}
		for _, e := range out {
			if _, ok := ports[e.ifIndex]; !ok || len(e.mac) != 17 || (e.vlan != 0 && !validVLAN(int64(e.vlan))) {
				t.Fatalf("index %q: entry %+v", idx, e)
			}
		}
	})
}
