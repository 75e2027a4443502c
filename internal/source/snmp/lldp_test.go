package snmp

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

// testdata/cause-lldp.snmprec is a switch whose LLDP local port numbers are
// bridge port numbers (1-3 → ifIndex 101-103; ifIndex 3 is a loopback) or
// resolve through an ifAlias (4 → "uplink-core" → ifIndex 104), with two
// neighbours on A1 (a MAC port ID, then a network-address port ID and no
// system name), a row whose index leaves the remote index out (0.3), one
// with a single sub-identifier (7), one on a local port that is no interface
// (9, whose management address is followed all the same), an empty one
// (0.2.1), management addresses that are not IP or whose
// length disagrees with the index, a management-address variable with no
// index, and two CDP neighbours on A4 (the second's platform an INTEGER).
func TestLLDPOddAgent(t *testing.T) {
	cfg, _ := serveFixtures(t, map[string]string{"127.0.0.32": "cause-lldp.snmprec", "127.0.0.34": "cause-sysname-a.snmprec"})
	cfg.Seeds = []string{"127.0.0.32"}
	cfg.Discovery.Enabled = true
	snap, logs := collectLogged(t, cfg)
	if len(snap.Keep) != 0 || len(snap.Failures) != 0 {
		t.Fatalf("got keep %v failures %q; want no table lost", snap.Keep, snap.Failures)
	}
	facts := byKey(snap)
	attrs := func(port string) model.Attrs {
		t.Helper()
		f, ok := facts["port:sw-lldp/"+port]
		if !ok {
			t.Fatalf("port %s missing", port)
		}
		return f.Attrs
	}
	lldpOf := func(port string) map[string]string {
		out := map[string]string{}
		for k, v := range attrs(port) {
			if strings.HasPrefix(k, "lldp_") || strings.HasPrefix(k, "cdp_") {
				out[k] = v
			}
		}
		return out
	}
	check := func(t *testing.T, port string, want map[string]string) {
		t.Helper()
		if got := lldpOf(port); !maps.Equal(got, want) {
			t.Errorf("%s: got %v; want %v", port, got, want)
		}
	}
	health := func(table string) model.TableHealth { return tableHealth(t, snap, "switch:sw-lldp", table) }

	t.Run("cause 1: management addresses that are not IP", func(t *testing.T) {
		h := health("lldpRemManAddrTable")
		want := map[string]int{"no index": 1, "address subtype 6, not IPv4 or IPv6": 1, "address length disagrees with the index": 1}
		if h.Rows != 4 || h.Kept != 2 || h.Skipped != 3 || !maps.Equal(h.Reasons, want) || h.Error != "" {
			t.Errorf("got %+v; want 4 rows, 2 kept, skipped %v", h, want)
		}
		if got := attrs("A1")["lldp_mgmt_addr"]; got != "10.0.0.1" {
			t.Errorf("A1 lldp_mgmt_addr: got %q; want 10.0.0.1", got)
		}
	})
	t.Run("cause 3: lldpRemTable indexes of another shape", func(t *testing.T) {
		check(t, "A3", map[string]string{"lldp_chassis": "00:11:22:33:44:03", "lldp_port": "eth0", "lldp_system": "host-3"})
		h := health("lldpRemTable")
		want := map[string]int{
			"index of 1 sub-identifiers, want timeMark.localPortNum.remIndex": 1,
			"local port resolves to no interface":                             1,
			"no chassis, port or system name":                                 1,
		}
		if h.Rows != 7 || h.Kept != 4 || !maps.Equal(h.Reasons, want) {
			t.Errorf("got %+v; want 7 rows, 4 kept, skipped %v", h, want)
		}
	})
	t.Run("cause 8: local port numbers that are not ifIndexes", func(t *testing.T) {
		if got := lldpOf("Loopback0"); len(got) != 0 {
			t.Errorf("ifIndex 3 (bridge port 3 is ifIndex 103) got neighbours %v", got)
		}
		if got := lldpOf("A2"); len(got) != 0 {
			t.Errorf("A2 got neighbours %v from an empty row", got)
		}
		if got := attrs("A4")["lldp_system"]; got != "core" {
			t.Errorf("A4 (local port 4 through its alias) lldp_system: got %q; want core", got)
		}
		if f := facts["switch:<private>"]; f.Attrs["discovered_from"] != "sw-lldp" {
			t.Errorf("neighbour on local port 9 (no interface) not followed: got %v", f)
		}
		h := health("lldpLocPortTable")
		if h.Rows != 5 || h.Kept != 4 || h.Reasons["resolves to no interface"] != 1 || !strings.HasPrefix(h.Example, `9 (id "9"`) {
			t.Errorf("got %+v; want 5 rows, 4 kept, port 9 skipped", h)
		}
	})
	t.Run("cause 9: several neighbours on one port", func(t *testing.T) {
		check(t, "A1", map[string]string{
			"lldp_chassis": "00:11:22:33:44:01", "lldp_port": "00:11:22:33:44:01", "lldp_system": "phone-1", "lldp_mgmt_addr": "10.0.0.1",
			"lldp_2_chassis": "00:11:22:33:44:02", "lldp_2_port": "10.0.0.5",
			"lldp_count": "2",
		})
		check(t, "A4", map[string]string{
			"lldp_chassis": "core-chassis", "lldp_port": "Gi1/0/48", "lldp_system": "core",
			"cdp_device": "core", "cdp_port": "GigabitEthernet1/0/48", "cdp_platform": "cisco WS-C3850", "cdp_address": "10.0.0.99",
			"cdp_2_device": "core-b", "cdp_2_port": "GigabitEthernet2/0/48",
			"cdp_count": "2",
		})
		if h := health("cdpCacheTable"); h.Rows != 3 || h.Kept != 2 || h.Reasons["ifIndex of no interface"] != 1 ||
			h.Reasons["column 8 is Integer, column left out"] != 1 {
			t.Errorf("cdpCacheTable: got %+v; want 3 rows, 2 kept, 1 on no interface, core-b's platform (an INTEGER) left out", h)
		}
	})
	t.Run("cause 10: port IDs that are MACs or addresses, no system name", func(t *testing.T) {
		a := attrs("A1")
		if a["lldp_port"] != "00:11:22:33:44:01" || a["lldp_2_port"] != "10.0.0.5" {
			t.Errorf("got port IDs %q, %q; want a MAC and 10.0.0.5", a["lldp_port"], a["lldp_2_port"])
		}
		if _, ok := a["lldp_2_system"]; ok {
			t.Errorf("empty system name stated: %q", a["lldp_2_system"])
		}
		for _, f := range snap.Facts {
			if f.Subject == "" || (f.Kind != "" && f.Name == "" && f.Kind != model.KindMAC) {
				t.Errorf("fact %s with no name", f.Key())
			}
		}
	})
	t.Run("skips logged once per table", func(t *testing.T) {
		per := map[string]int{}
		for _, r := range logs.recs {
			if r.Message == "table rows skipped" {
				per[attr(r, "table")]++
				if attr(r, "example") == "" || attr(r, "switch") != "sw-lldp" {
					t.Errorf("record %v: want the switch and an example", r)
				}
			}
		}
		tables := slices.Sorted(maps.Keys(per))
		if want := []string{"cdpCacheTable", "lldpLocPortTable", "lldpRemManAddrTable", "lldpRemTable"}; !slices.Equal(tables, want) {
			t.Errorf("got warnings for %v; want %v", tables, want)
		}
		for tb, n := range per {
			if n != 1 {
				t.Errorf("%s: %d warnings; want 1", tb, n)
			}
		}
	})
}

func TestRemIndex(t *testing.T) {
	tests := []struct {
		name        string
		idx         []uint32
		lport, ridx int
		ok          bool
	}{
		{"timeMark.localPortNum.remIndex", []uint32{0, 23, 1}, 23, 1, true},
		{"remote index left out", []uint32{18, 3}, 3, 0, true},
		{"one sub-identifier", []uint32{7}, 0, 0, false},
		{"four", []uint32{0, 1, 2, 3}, 0, 0, false},
		{"none", nil, 0, 0, false},
	}
	for _, tt := range tests {
		l, r, ok := RemIndex(tt.idx)
		if l != tt.lport || r != tt.ridx || ok != tt.ok {
			t.Errorf("%s: got %d %d %v; want %d %d %v", tt.name, l, r, ok, tt.lport, tt.ridx, tt.ok)
		}
	}
}

func TestManAddrReason(t *testing.T) {
	tests := []struct {
		name string
		idx  []uint32
		want string
	}{
		{"all-802 MAC", []uint32{0, 1, 2, 6, 6, 0, 17, 34, 51, 68, 2}, "address subtype 6, not IPv4 or IPv6"},
		{"length disagrees", []uint32{0, 4, 1, 1, 5, 10, 0, 0, 9}, "address length disagrees with the index"},
		{"length 0, octets follow", []uint32{138, 1, 1, 0, 0, 0, 0, 0}, "address length disagrees with the index"},
		{"short", []uint32{0, 1}, "index too short for an address"},
		{"IPv4 of 3 octets", []uint32{0, 1, 1, 1, 3, 10, 0, 0}, "undecodable address"},
	}
	for _, tt := range tests {
		if _, _, _, err := ManAddrIndex(tt.idx); err == nil {
			t.Errorf("%s: ManAddrIndex(%v) decoded", tt.name, tt.idx)
		}
		if got := manAddrReason(tt.idx); got != tt.want {
			t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
		}
	}
}

func FuzzLLDPIndexes(f *testing.F) {
	f.Add([]byte{0, 1, 1, 1, 4, 10, 0, 0, 1})
	f.Add([]byte{0, 1, 2, 6, 6, 0, 17, 34, 51, 68, 2})
	f.Add([]byte{18, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		idx := make([]uint32, len(b))
		for i, v := range b {
			idx[i] = uint32(v)
			if v == 0xff { // reach the overflow checks
				idx[i] = 1<<32 - 1
			}
		}
		if _, _, ok := RemIndex(idx); ok != (len(idx) == 2 || len(idx) == 3) {
			t.Errorf("RemIndex(%v): ok %v", idx, ok)
		}
		_, _, a, err := ManAddrIndex(idx)
		if err == nil && !a.IsValid() {
			t.Errorf("ManAddrIndex(%v): no error and no address", idx)
		}
		if err != nil && manAddrReason(idx) == "" {
			t.Errorf("ManAddrIndex(%v): no reason", idx)
		}
	})
}
