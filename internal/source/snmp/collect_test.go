package snmp

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
)

func testConfig(t testing.TB, port uint16, seeds ...string) Configuration {
	t.Helper()
	t.Setenv("VNETMAP_TEST_COMMUNITY", "public")
	cfg := DefaultConfiguration()
	cfg.Name = "fabric"
	cfg.Seeds = seeds
	cfg.Port = port
	cfg.CommunityEnv = "VNETMAP_TEST_COMMUNITY"
	cfg.Timeout = 2 * time.Second // a loaded machine slows snmpsimd down; the tests that wait for a timeout wait this long
	cfg.Retries = 0
	cfg.Discovery.AllowedSubnets = []string{"127.0.0.0/24"}
	return cfg
}

func collect(t testing.TB, cfg Configuration) (model.Snapshot, *Collector, error) {
	return collectWithin(t, cfg, time.Minute)
}

func collectWithin(t testing.TB, cfg Configuration, limit time.Duration) (model.Snapshot, *Collector, error) {
	t.Helper()
	c, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	snap, err := c.Collect(ctx)
	return snap, c, err
}

// byKey indexes a snapshot's facts by fact key.
func byKey(snap model.Snapshot) map[string]model.Fact {
	m := map[string]model.Fact{}
	for _, f := range snap.Facts {
		m[f.Key()] = f
	}
	return m
}

func TestCollectFabric(t *testing.T) {
	endpoints, files := fabricFiles(t, "public")
	sim := startSim(t, endpoints, files, nil)
	snap, c, err := collect(t, testConfig(t, sim.port, core1Addr))
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if len(snap.Keep) != 0 || len(snap.Failures) != 0 {
		t.Errorf("got keep %v failures %v; want none", snap.Keep, snap.Failures)
	}
	facts := byKey(snap)
	var switches []string
	for _, f := range snap.Facts {
		if f.Kind == model.KindSwitch {
			switches = append(switches, f.Name+"@"+f.Attrs["address"]+"<"+f.Attrs["discovered_from"])
		}
	}
	slices.Sort(switches)
	if want := []string{"core1@127.0.0.11<seed", "leaf1@127.0.0.12<core1", "leaf2@127.0.0.13<core1"}; !slices.Equal(switches, want) {
		t.Errorf("got switches %v; want %v (each once, fw1 outside the subnets not followed)", switches, want)
	}
	tests := []struct {
		key, attr, want string
	}{
		{"switch:core1", "chassis_id", core1Chassis},
		{"switch:core1", "model", "C9300-48P"},
		{"switch:core1", "serial", "FOC2233X0AB"},
		{"switch:core1", "sysobjectid", "1.3.6.1.4.1.9.1.2494"},
		{"switch:leaf1", "chassis_id", leaf1Chassis},
		{"switch:leaf1", "vendor", "Arista Networks"},
		{"switch:leaf2", "chassis_id", leaf2Chassis},
		{"switch:leaf2", "model", ""},
		// Ports under normalized names, with the device's spelling kept.
		{"port:core1/GigabitEthernet1/0/1", "ifname", "Gi1/0/1"},
		{"port:core1/GigabitEthernet1/0/1", "ifdescr", "GigabitEthernet1/0/1"},
		{"port:core1/GigabitEthernet1/0/1", "speed_mbps", "1000"},
		{"port:core1/GigabitEthernet1/0/1", "type", "ethernetCsmacd"},
		{"port:core1/GigabitEthernet1/0/1", "mtu", "9216"},
		{"port:core1/GigabitEthernet1/0/1", "oper", "up"},
		{"port:core1/GigabitEthernet1/0/1", "alias", "esx01 vmnic0"},
		// CDP neighbours and Cisco VTP trunks.
		{"port:core1/GigabitEthernet1/0/1", "cdp_device", "esx01.dc.example"},
		{"port:core1/GigabitEthernet1/0/1", "cdp_port", "vmnic0"},
		{"port:core1/GigabitEthernet1/0/1", "mode", "trunk"},
		{"port:core1/GigabitEthernet1/0/1", "native_vlan", "1"},
		{"port:core1/GigabitEthernet1/0/1", "allowed_vlans", "110,120"},
		{"port:core1/TenGigabitEthernet1/1/1", "cdp_address", leaf1Addr},
		{"port:core1/TenGigabitEthernet1/1/1", "cdp_native_vlan", "10"},
		{"port:core1/TenGigabitEthernet1/1/1", "native_vlan", "10"},
		{"port:core1/TenGigabitEthernet1/1/2", "allowed_vlans", "1-1023"},
		{"port:core1/TenGigabitEthernet1/1/2", "lldp_system", "leaf2"},
		{"port:core1/TenGigabitEthernet1/1/2", "lldp_port", "xe-0/0/0"},
		{"port:core1/GigabitEthernet1/0/2", "cdp_address", outsideAddr},
		{"port:core1/GigabitEthernet1/0/3", "mode", "access"},
		{"port:core1/GigabitEthernet1/0/3", "access_vlan", "110"},
		// LLDP with the local port resolved through Et49/1 and a local port number.
		{"port:leaf1/Ethernet49/1", "lldp_chassis", core1Chassis},
		{"port:leaf1/Ethernet49/1", "lldp_port", "Te1/1/1"},
		{"port:leaf1/Ethernet49/1", "lldp_mgmt_addr", core1Addr},
		{"port:leaf1/Ethernet1", "lldp_system", "esx01.dc.example"},
		{"port:leaf1/Ethernet1", "lldp_port", "vmnic1"},
		{"port:leaf1/Ethernet1", "lldp_chassis", "b4:96:91:01:00:01"},
		{"port:leaf2/ge-0/0/0", "lldp_system", "esx03"},
		{"port:leaf2/xe-0/0/0", "lldp_mgmt_addr", core1Alt},
		// Q-BRIDGE modes.
		{"port:leaf1/Ethernet1", "mode", "trunk"},
		{"port:leaf1/Ethernet1", "native_vlan", "10"},
		{"port:leaf1/Ethernet1", "allowed_vlans", "10,110,120"},
		{"port:leaf1/Ethernet4", "mode", "access"},
		{"port:leaf1/Ethernet4", "access_vlan", "110"},
		{"portchannel:leaf1/Port-channel10", "mode", "trunk"},
		{"portchannel:leaf1/Port-channel10", "allowed_vlans", "110,120"},
		{"portchannel:leaf1/Port-channel10", "ifname", "Port-Channel10"},
		{"portchannel:leaf2/ae0", "allowed_vlans", "110,120"},
		{"port:leaf2/xe-0/0/1", "access_vlan", "110"},
		{"vlan:leaf2/110", "name", "v110"},
		{"vlan:core1/120", "name", "db"},
		{"vlan:core1/120", "status", "operational"},
		// Relations.
		{"switch:leaf1|has_port|portchannel:leaf1/Port-channel10", "", ""},
		{"port:leaf1/Ethernet2|in_lag|portchannel:leaf1/Port-channel10", "source", "lag-mib"},
		{"port:leaf1/Ethernet3|in_lag|portchannel:leaf1/Port-channel10", "source", "lag-mib"},
		{"port:leaf2/ge-0/0/1|in_lag|portchannel:leaf2/ae0", "source", "ifstack"},
		{"port:leaf1/Ethernet1|carries|vlan:leaf1/10", "tagged", "false"},
		{"port:leaf1/Ethernet1|carries|vlan:leaf1/110", "tagged", "true"},
		{"port:core1/TenGigabitEthernet1/1/1|carries|vlan:core1/10", "tagged", "false"},
		{"port:core1/GigabitEthernet1/0/1|learned|mac:00:50:56:aa:01:10", "vlan", "110"},
		{"port:core1/GigabitEthernet1/0/4|learned|mac:00:50:56:aa:04:20", "vlan", "120"},
		{"port:core1/TenGigabitEthernet1/1/2|learned|mac:" + leaf2Chassis, "vlan", "1"},
		{"portchannel:leaf1/Port-channel10|learned|mac:00:50:56:aa:02:20", "vlan", "120"},
		{"portchannel:leaf2/ae0|learned|mac:00:50:56:aa:05:10", "vlan", "110"},
		{"port:leaf2/xe-0/0/0|learned|mac:" + core1Chassis, "vlan", "10"},
		{"port:leaf1/Ethernet4|learned|mac:00:50:56:aa:03:10", "status", "learned"},
		{"mac:00:50:56:aa:05:10", "", ""},
	}
	for _, tt := range tests {
		f, ok := facts[tt.key]
		if !ok {
			t.Errorf("%s: missing", tt.key)
			continue
		}
		if tt.attr == "" {
			continue
		}
		got, present := f.Attrs[tt.attr]
		if tt.want == "" && present {
			t.Errorf("%s %s: got %q; want absent", tt.key, tt.attr, got)
		} else if got != tt.want {
			t.Errorf("%s %s: got %q; want %q", tt.key, tt.attr, got, tt.want)
		}
	}
	for _, absent := range []string{"switch:fw1", "port:core1/Gi1/0/1", "port:leaf1/Port-channel10", "port:leaf2/ae0|in_lag|portchannel:leaf2/ae0"} {
		if _, ok := facts[absent]; ok {
			t.Errorf("%s: present; want absent", absent)
		}
	}
	for _, f := range snap.Facts {
		if !strings.HasPrefix(string(f.Owner), "switch:") {
			t.Errorf("fact %s owned by %s; want a switch or switch group", f.Key(), f.Owner)
		}
	}
	if r := c.Requests(); r.GetBulk == 0 || r.Get == 0 {
		t.Errorf("got requests %+v; want GETBULK and GET counted", r)
	}
}

func TestCollectPartialAndFailures(t *testing.T) {
	endpoints, files := fabricFiles(t, "public")
	// leaf2's FDB answers one row with the wrong type: that row is skipped
	// and counted, the rest of the table is stated.
	files[leaf2Addr]["public"] = []byte(strings.ReplaceAll(string(files[leaf2Addr]["public"]), "1.3.6.1.2.1.17.7.1.2.2.1.2.5.0.80.86.170.5.16|2|1", "1.3.6.1.2.1.17.7.1.2.2.1.2.5.0.80.86.170.5.16|4|one"))
	sim := startSim(t, endpoints, files, nil)

	t.Run("wrong type skips the row", func(t *testing.T) {
		cfg := testConfig(t, sim.port, leaf2Addr)
		cfg.Discovery.Enabled = false
		snap, _, err := collect(t, cfg)
		if err != nil {
			t.Fatalf("Collect: %v", err)
		}
		if len(snap.Keep) != 0 || len(snap.Failures) != 0 {
			t.Errorf("got keep %v failures %q; want none", snap.Keep, snap.Failures)
		}
		facts := byKey(snap)
		if _, ok := facts["portchannel:leaf2/ae0|learned|mac:00:50:56:aa:05:10"]; ok {
			t.Error("the row whose port is not an integer was stated")
		}
		if _, ok := facts["portchannel:leaf2/ae0|learned|mac:00:50:56:aa:05:20"]; !ok {
			t.Error("the other rows of the table are missing")
		}
		h := health(snap, "leaf2", "dot1qTpFdbTable")
		if h.Reasons["port is not an integer"] != 1 || !strings.Contains(h.Example, "5.0.80.86.170.5.16") || h.Error != "" {
			t.Errorf("got dot1qTpFdbTable health %+v; want one row skipped, its index in the example, no error", h)
		}
	})
	t.Run("unreachable seed is kept, others collected", func(t *testing.T) {
		cfg := testConfig(t, sim.port, "127.0.0.99", leaf1Addr)
		cfg.Discovery.Enabled = false
		snap, _, err := collect(t, cfg)
		if err != nil {
			t.Fatalf("Collect: %v", err)
		}
		if len(snap.Failures) != 1 || !strings.Contains(snap.Failures[0], "127.0.0.99") {
			t.Errorf("got failures %q; want one naming 127.0.0.99", snap.Failures)
		}
		if _, ok := byKey(snap)["switch:leaf1"]; !ok {
			t.Error("leaf1 missing")
		}
	})
	t.Run("wrong community fails the run without leaking it", func(t *testing.T) {
		cfg := testConfig(t, sim.port, leaf1Addr)
		t.Setenv("VNETMAP_TEST_COMMUNITY", "s3cr3t-wrong")
		_, _, err := collect(t, cfg)
		if !errors.Is(err, ErrAllFailed) || !errors.Is(err, ErrNoResponse) {
			t.Fatalf("got %v; want ErrAllFailed wrapping ErrNoResponse", err)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error %q carries the community", err)
		}
	})
}

func TestCollectV3(t *testing.T) {
	const addr = "127.0.0.31"
	user := &v3User{user: "vnetmap", auth: "SHA", authKey: "auth-passphrase", priv: "AES", privKey: "priv-passphrase"}
	sim := startSim(t, []string{addr}, map[string]map[string][]byte{addr: {"": fixtureFiles()["leaf1.snmprec"]}}, user)
	t.Setenv("VNETMAP_TEST_AUTH", user.authKey)
	t.Setenv("VNETMAP_TEST_PRIV", user.privKey)
	cfg := testConfig(t, sim.port, addr)
	cfg.Version, cfg.CommunityEnv = "3", ""
	cfg.Username, cfg.AuthProtocol, cfg.AuthKeyEnv, cfg.PrivProtocol, cfg.PrivKeyEnv = user.user, "SHA", "VNETMAP_TEST_AUTH", "AES", "VNETMAP_TEST_PRIV"
	cfg.Discovery.Enabled = false
	snap, _, err := collect(t, cfg)
	if err != nil {
		t.Fatalf("Collect over v3 authPriv SHA/AES: %v", err)
	}
	facts := byKey(snap)
	if got := facts["port:leaf1/Ethernet49/1"].Attrs["lldp_system"]; got != "core1.dc.example" {
		t.Errorf("leaf1 Ethernet49/1 lldp_system: got %q; want core1.dc.example", got)
	}
	if _, ok := facts["port:leaf1/Ethernet2|in_lag|portchannel:leaf1/Port-channel10"]; !ok {
		t.Error("leaf1 Ethernet2 in_lag Port-channel10 missing")
	}

	t.Setenv("VNETMAP_TEST_AUTH", "wrong-passphrase")
	if _, _, err := collect(t, cfg); !errors.Is(err, ErrAllFailed) || strings.Contains(err.Error(), "passphrase") {
		t.Errorf("wrong auth key: got %v; want ErrAllFailed without the key", err)
	}
}

// TestCollectARP reads the ARP/ND caches over SNMP: leaf1 from
// ipNetToPhysicalTable (its stale ipNetToMediaTable row unread), core1 from
// ipNetToMediaTable, which it alone serves.
func TestCollectARP(t *testing.T) {
	endpoints, files := fabricFiles(t, "public")
	sim := startSim(t, endpoints, files, nil)
	snap, _, err := collect(t, testConfig(t, sim.port, core1Addr))
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	var got []model.Fact
	for _, f := range snap.Facts {
		if f.Rel == model.RelARP {
			got = append(got, f)
		}
	}
	arp := func(sw, ip string, a model.Attrs) model.Fact {
		id := model.NewID(model.KindSwitch, sw)
		return model.Relation(groupOwner(id, groupARP), id, model.RelARP, model.NewID(model.KindIP, ip), a)
	}
	want := []model.Fact{
		arp("core1", "10.110.0.10", model.Attrs{"mac": "00:50:56:aa:01:10", "interface": "Vlan110", "vlan": "110", "type": "dynamic"}),
		// The printer behind Gi1/0/3: an address of no host of the fixtures.
		arp("core1", "10.110.0.99", model.Attrs{"mac": "00:11:85:3c:00:03", "interface": "Vlan110", "vlan": "110", "type": "dynamic"}),
		arp("leaf1", "192.0.2.1", model.Attrs{"mac": core1Chassis, "interface": "Ethernet49/1", "type": "static"}),
		arp("leaf1", "10.120.0.20", model.Attrs{"mac": "00:50:56:aa:02:20", "interface": "Vlan120", "vlan": "120", "type": "dynamic"}),
		arp("leaf1", "2001:db8:120::20", model.Attrs{"mac": "00:50:56:aa:02:20", "interface": "Vlan120", "vlan": "120", "type": "dynamic"}),
	}
	key := func(f model.Fact) string { return f.Key() }
	byK := map[string]model.Fact{}
	for _, f := range got {
		if _, dup := byK[key(f)]; dup {
			t.Errorf("%s stated twice", f.Key())
		}
		byK[key(f)] = f
	}
	for _, w := range want {
		g, ok := byK[key(w)]
		if !ok {
			t.Errorf("%s: missing", w.Key())
			continue
		}
		if g.Owner != w.Owner {
			t.Errorf("%s owner: got %s; want %s", w.Key(), g.Owner, w.Owner)
		}
		for _, k := range []string{"mac", "interface", "vlan", "type"} {
			gv, gok := g.Attrs[k]
			wv, wok := w.Attrs[k]
			if gv != wv || gok != wok {
				t.Errorf("%s %s: got %q (present %v); want %q (present %v)", w.Key(), k, gv, gok, wv, wok)
			}
		}
		if len(g.Attrs) != len(w.Attrs) {
			t.Errorf("%s attrs: got %v; want %v", w.Key(), g.Attrs, w.Attrs)
		}
		delete(byK, key(w))
	}
	// Skipped: all-zero MAC (10.10.0.5), invalid (10.110.0.20), empty MAC
	// (10.120.0.30), link-local, and leaf1's ipNetToMediaTable (10.120.0.77).
	for k := range byK {
		t.Errorf("%s: unexpected arp fact", k)
	}
}

// TestCollectARPBadRow: one ipNetToPhysicalTable row whose type is not an
// integer is skipped and counted; the others are stated.
func TestCollectARPBadRow(t *testing.T) {
	endpoints, files := fabricFiles(t, "public")
	files[leaf1Addr]["public"] = []byte(strings.ReplaceAll(string(files[leaf1Addr]["public"]),
		"1.3.6.1.2.1.4.35.1.6.5000120.1.4.10.120.0.20|2|3", "1.3.6.1.2.1.4.35.1.6.5000120.1.4.10.120.0.20|4|dynamic"))
	sim := startSim(t, endpoints, files, nil)
	cfg := testConfig(t, sim.port, leaf1Addr)
	cfg.Discovery.Enabled = false
	snap, _, err := collect(t, cfg)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if len(snap.Keep) != 0 || len(snap.Failures) != 0 {
		t.Errorf("got keep %v failures %q; want none", snap.Keep, snap.Failures)
	}
	facts := byKey(snap)
	if _, ok := facts["switch:leaf1|arp|ip:10.120.0.20"]; ok {
		t.Error("the row with a bad type was stated")
	}
	for _, k := range []string{"switch:leaf1|arp|ip:192.0.2.1", "switch:leaf1|arp|ip:2001:db8:120::20"} {
		if _, ok := facts[k]; !ok {
			t.Errorf("%s: missing", k)
		}
	}
	if h := health(snap, "leaf1", "ipNetToPhysicalTable"); h.Reasons["type is not an integer"] != 1 || h.Error != "" {
		t.Errorf("got ipNetToPhysicalTable health %+v; want one row skipped for its type, no error", h)
	}
}
