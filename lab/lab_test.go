package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

// walkEnv, when set, makes the test binary an SNMP walker: TestMain walks the
// OIDs it names and prints the variables as JSON. The tests run it inside the
// management namespace, so that only a process of the lab talks to the lab.
const walkEnv = "VNETMAP_LAB_WALK"

// walkRequest is what a walker is asked to do (JSON in walkEnv). Secrets are
// passed as file names, never as values.
type walkRequest struct {
	Target        string   `json:"target"`
	CommunityFile string   `json:"community_file,omitempty"`
	V3            *V3User  `json:"v3,omitempty"`
	OIDs          []string `json:"oids"`
}

// variable is one walked variable; Value is a string for octet strings and
// OIDs, a decimal number for the integer types.
type variable struct {
	OID   string `json:"oid"`
	Value string `json:"value"`
}

func TestMain(m *testing.M) {
	if req := os.Getenv(walkEnv); req != "" {
		if err := walkMain(req); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func walkMain(reqJSON string) error {
	var req walkRequest
	if err := json.Unmarshal([]byte(reqJSON), &req); err != nil {
		return fmt.Errorf("walk request: %w", err)
	}
	g := &gosnmp.GoSNMP{Target: req.Target, Port: 161, Timeout: 2 * time.Second, Retries: 2, MaxRepetitions: 20}
	read := func(f string) (string, error) {
		b, err := os.ReadFile(f)
		return strings.TrimSpace(string(b)), err
	}
	var err error
	switch {
	case req.V3 != nil:
		g.Version, g.SecurityModel, g.MsgFlags = gosnmp.Version3, gosnmp.UserSecurityModel, gosnmp.AuthPriv
		usm := &gosnmp.UsmSecurityParameters{AuthenticationProtocol: gosnmp.SHA, PrivacyProtocol: gosnmp.AES}
		if usm.UserName, err = read(req.V3.UserFile); err == nil {
			if usm.AuthenticationPassphrase, err = read(req.V3.AuthFile); err == nil {
				usm.PrivacyPassphrase, err = read(req.V3.PrivFile)
			}
		}
		g.SecurityParameters = usm
	default:
		g.Version = gosnmp.Version2c
		g.Community, err = read(req.CommunityFile)
	}
	if err != nil {
		return fmt.Errorf("walk credentials: %w", err)
	}
	if err := g.Connect(); err != nil {
		return fmt.Errorf("snmp connect %s: %w", req.Target, err)
	}
	defer g.Conn.Close()
	var vars []variable
	for _, oid := range req.OIDs {
		pdus, err := g.BulkWalkAll(oid)
		if err != nil {
			return fmt.Errorf("snmp walk %s on %s: %w", oid, req.Target, err)
		}
		for _, p := range pdus {
			v := variable{OID: strings.TrimPrefix(p.Name, ".")}
			switch x := p.Value.(type) {
			case []byte:
				v.Value = string(x)
			case string:
				v.Value = x
			default:
				v.Value = gosnmp.ToBigInt(x).String()
			}
			vars = append(vars, v)
		}
	}
	return json.NewEncoder(os.Stdout).Encode(vars)
}

// walk runs a walker in the management namespace.
func walk(ctx context.Context, t *testing.T, l *Lab, req walkRequest) []variable {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.Exec(ctx, MgmtNode, "env", walkEnv+"="+string(b), exe)
	if err != nil {
		t.Fatalf("walk %v on %s: %v", req.OIDs, req.Target, err)
	}
	var vars []variable
	if err := json.Unmarshal(out, &vars); err != nil {
		t.Fatalf("walk %v on %s: %v in %q", req.OIDs, req.Target, err, out)
	}
	return vars
}

// LLDP-MIB (IEEE 802.1AB-2005) columns the test reads.
const (
	lldpLocPortID     = "1.0.8802.1.1.2.1.3.7.1.3" // .localPortNum
	lldpLocPortDesc   = "1.0.8802.1.1.2.1.3.7.1.4"
	lldpRemChassisID  = "1.0.8802.1.1.2.1.4.1.1.5" // .timeMark.localPortNum.remIndex
	lldpRemPortID     = "1.0.8802.1.1.2.1.4.1.1.7"
	lldpRemSysName    = "1.0.8802.1.1.2.1.4.1.1.9"
	lldpRemManAddrIf  = "1.0.8802.1.1.2.1.4.2.1.4" // .timeMark.localPortNum.remIndex.addrSubtype.len.addr…
	lldpRemTable      = "1.0.8802.1.1.2.1.4.1"
	lldpLocPortTable  = "1.0.8802.1.1.2.1.3.7"
	lldpRemManAddrTbl = "1.0.8802.1.1.2.1.4.2"
	sysName           = "1.3.6.1.2.1.1.5"
)

// neighbour is what a leaf reports about the device on one of its ports.
type neighbour struct {
	System, Port, MgmtAddr string
}

// neighbourTable turns a walk of lldpLocPortTable, lldpRemTable and
// lldpRemManAddrTable into local port name → neighbours.
func neighbourTable(t *testing.T, vars []variable) map[string][]neighbour {
	t.Helper()
	ports := map[string]string{} // localPortNum → port name
	type remKey struct{ port, index string }
	rem := map[remKey]*neighbour{}
	var order []remKey
	for _, v := range vars {
		col, idx, ok := column(v.OID, lldpLocPortID)
		if ok {
			ports[idx[0]] = v.Value
			continue
		}
		for _, c := range []string{lldpRemPortID, lldpRemSysName, lldpRemManAddrIf} {
			if _, idx, ok = column(v.OID, c); ok {
				col = c
				break
			}
		}
		if !ok || len(idx) < 3 {
			continue
		}
		k := remKey{idx[1], idx[2]}
		n := rem[k]
		if n == nil {
			n = &neighbour{}
			rem[k] = n
			order = append(order, k)
		}
		switch col {
		case lldpRemPortID:
			n.Port = v.Value
		case lldpRemSysName:
			n.System = v.Value
		case lldpRemManAddrIf:
			// addrSubtype 1 (IPv4), length 4, then the address.
			if len(idx) == 9 && idx[3] == "1" && idx[4] == "4" {
				n.MgmtAddr = strings.Join(idx[5:], ".")
			}
		}
	}
	table := map[string][]neighbour{}
	for _, k := range order {
		name, ok := ports[k.port]
		if !ok {
			t.Errorf("lldpRemTable row for local port %s, absent from lldpLocPortTable", k.port)
			name = "#" + k.port
		}
		table[name] = append(table[name], *rem[k])
	}
	return table
}

// column reports whether oid is in column col, and its index parts.
func column(oid, col string) (string, []string, bool) {
	rest, ok := strings.CutPrefix(oid, col+".")
	if !ok {
		return "", nil, false
	}
	return col, strings.Split(rest, "."), true
}

func TestNeighbourTableMatchesCabling(t *testing.T) {
	l := Up(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	for _, leaf := range l.Cabling.Leaves {
		t.Run("lldp-mib/"+leaf.Name, func(t *testing.T) {
			vars := walk(ctx, t, l, walkRequest{
				Target: leaf.Mgmt, CommunityFile: l.CommunityFile,
				OIDs: []string{lldpLocPortTable, lldpRemTable, lldpRemManAddrTbl},
			})
			got := neighbourTable(t, vars)
			want := map[string][]neighbour{}
			for port, peer := range l.Cabling.Neighbours(leaf.Name) {
				want[port] = []neighbour{{System: peer.Node, Port: peer.Port, MgmtAddr: l.Cabling.Address(peer.Node)}}
			}
			for _, port := range slices.Sorted(maps.Keys(want)) {
				if g := got[port]; !slices.Equal(g, want[port]) {
					t.Errorf("%s %s: got neighbours %+v; want %+v", leaf.Name, port, g, want[port])
				}
			}
			for _, port := range slices.Sorted(maps.Keys(got)) {
				if _, ok := want[port]; !ok {
					t.Errorf("%s %s: got neighbours %+v; want none (not cabled)", leaf.Name, port, got[port])
				}
			}
			// lldpLocPortTable describes each cabled port like an operator would.
			for port, peer := range l.Cabling.Neighbours(leaf.Name) {
				if d := locPortDesc(vars, port); d != PortDescription(peer) {
					t.Errorf("%s %s: got lldpLocPortDesc %q; want %q", leaf.Name, port, d, PortDescription(peer))
				}
			}
		})
		t.Run("v3-authpriv/"+leaf.Name, func(t *testing.T) {
			vars := walk(ctx, t, l, walkRequest{Target: leaf.Mgmt, V3: &l.V3, OIDs: []string{sysName}})
			if len(vars) != 1 || vars[0].Value != leaf.Name {
				t.Errorf("sysName over SNMPv3 authPriv: got %+v; want %q", vars, leaf.Name)
			}
		})
	}

	// The hosts hear their leaf over LLDP and over CDP (lldpd -ccc on the
	// leaves sends CDPv1 and CDPv2); lldpd puts the port description in
	// CDP's Port-ID.
	for _, h := range l.Cabling.Hosts {
		t.Run("host/"+h.Name, func(t *testing.T) {
			got := hostNeighbours(ctx, t, l, h.Name)
			want := map[string][]string{}
			for nic, peer := range l.Cabling.Neighbours(h.Name) {
				want[nic] = []string{
					"CDP " + peer.Node + " " + PortDescription(Endpoint{Node: h.Name, Port: nic}),
					"LLDP " + peer.Node + " " + peer.Port,
				}
			}
			for _, nic := range slices.Sorted(maps.Keys(want)) {
				if !slices.Equal(got[nic], want[nic]) {
					t.Errorf("%s %s: got %q; want %q", h.Name, nic, got[nic], want[nic])
				}
			}
			if len(got) != len(want) {
				t.Errorf("%s: got neighbours on %v; want on %v", h.Name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
		})
	}

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, l)
}

// locPortDesc returns lldpLocPortDesc of the local port named port.
func locPortDesc(vars []variable, port string) string {
	num := ""
	for _, v := range vars {
		if _, idx, ok := column(v.OID, lldpLocPortID); ok && v.Value == port {
			num = idx[0]
		}
	}
	for _, v := range vars {
		if v.OID == lldpLocPortDesc+"."+num {
			return v.Value
		}
	}
	return ""
}

// hostNeighbours returns, per NIC of host, its neighbours as "PROTO system
// port" sorted, PROTO being LLDP or CDP (either version), from lldpcli.
func hostNeighbours(ctx context.Context, t *testing.T, l *Lab, host string) map[string][]string {
	t.Helper()
	out, err := l.Exec(ctx, host, "lldpcli", "-u", l.LLDPSocket(host), "-f", "json0", "show", "neighbors")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		LLDP []struct {
			Interface []struct {
				Name    string `json:"name"`
				Via     string `json:"via"`
				Chassis []struct {
					Name []struct {
						Value string `json:"value"`
					} `json:"name"`
				} `json:"chassis"`
				Port []struct {
					ID []struct {
						Value string `json:"value"`
					} `json:"id"`
				} `json:"port"`
			} `json:"interface"`
		} `json:"lldp"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("lldpcli on %s: %v in %q", host, err, out)
	}
	got := map[string][]string{}
	for _, lldp := range doc.LLDP {
		for _, i := range lldp.Interface {
			proto := i.Via
			if strings.HasPrefix(proto, "CDP") {
				proto = "CDP"
			}
			var system, port string
			if len(i.Chassis) > 0 && len(i.Chassis[0].Name) > 0 {
				system = i.Chassis[0].Name[0].Value
			}
			if len(i.Port) > 0 && len(i.Port[0].ID) > 0 {
				port = i.Port[0].ID[0].Value
			}
			got[i.Name] = append(got[i.Name], proto+" "+system+" "+port)
		}
	}
	for nic := range got {
		slices.Sort(got[nic])
	}
	return got
}

// assertGone checks, independently of Close, that no namespace of the lab is
// left, that none of its veths is in the root namespace, and that no process
// still runs from the lab's directory.
func assertGone(t *testing.T, l *Lab) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, l.Namespace("")) {
			t.Errorf("namespace %s left after teardown", strings.Fields(line)[0])
		}
	}
	// The veths live only inside the lab's namespaces; none may have reached
	// the root namespace.
	out, err = exec.Command("ip", "-o", "link", "show", "type", "veth").Output()
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]bool{"mgmt0": true}
	for _, link := range l.Cabling.Links {
		ours[link.A.Port], ours[link.B.Port] = true, true
	}
	for _, leaf := range l.Cabling.Leaves {
		ours["to-"+leaf.Name] = true
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			if name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@"); ours[name] {
				t.Errorf("veth %s of the lab in the root namespace", name)
			}
		}
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !alive(pid) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if strings.Contains(string(cmdline), l.Dir) {
			t.Errorf("process %d (%s) left after teardown", pid, strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
}
