// Package lab builds, for integration tests, a small data-center fabric in
// Linux network namespaces that speaks real LLDP and CDP: two leaf "switches"
// (a bridge over veth ports, lldpd, snmpd with lldpd as its AgentX subagent),
// four hosts with two NICs each, and a management namespace from which the
// leaves are polled over SNMP. The topology is cabling.json, read by lab.sh
// (which builds it) and by the tests (which check what the devices report
// against it).
//
// It is not a simulator: every answer comes from real daemons exchanging real
// frames. It needs root, `ip netns`, lldpd and snmpd (scripts/deps.sh installs
// them); without them Up skips the test, or fails it when CI=true.
package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Endpoint is one end of a cable: a node (leaf or host name) and its port.
type Endpoint struct {
	Node string
	Port string
}

// String returns "node:port".
func (e Endpoint) String() string { return e.Node + ":" + e.Port }

// UnmarshalText parses "node:port".
func (e *Endpoint) UnmarshalText(b []byte) error {
	node, port, ok := strings.Cut(string(b), ":")
	if !ok || node == "" || port == "" {
		return fmt.Errorf("lab: endpoint %q: want node:port", b)
	}
	*e = Endpoint{Node: node, Port: port}
	return nil
}

// Link is a veth pair between two endpoints.
type Link struct {
	A Endpoint `json:"a"`
	B Endpoint `json:"b"`
}

// Leaf is a switch of the lab and its management address.
type Leaf struct {
	Name string `json:"name"`
	Mgmt string `json:"mgmt"`
}

// Host is a server of the lab and the address of its vmnic0.
type Host struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Cabling is the lab's topology, as in cabling.json.
type Cabling struct {
	Mgmt struct {
		Station string `json:"station"`
		Prefix  int    `json:"prefix"`
	} `json:"mgmt"`
	Leaves []Leaf `json:"leaves"`
	Hosts  []Host `json:"hosts"`
	Links  []Link `json:"links"`
}

// LoadCabling reads and checks a cabling file: every link end names a known
// node, and no port is cabled twice.
func LoadCabling(path string) (Cabling, error) {
	var c Cabling
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("lab: read cabling: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("lab: cabling %s: %w", path, err)
	}
	nodes := map[string]bool{}
	for _, l := range c.Leaves {
		nodes[l.Name] = true
	}
	for _, h := range c.Hosts {
		nodes[h.Name] = true
	}
	used := map[Endpoint]bool{}
	for i, l := range c.Links {
		for _, e := range []Endpoint{l.A, l.B} {
			if !nodes[e.Node] {
				return c, fmt.Errorf("lab: cabling %s: link %d: unknown node %q", path, i, e.Node)
			}
			if used[e] {
				return c, fmt.Errorf("lab: cabling %s: link %d: port %s cabled twice", path, i, e)
			}
			used[e] = true
		}
	}
	return c, nil
}

// Neighbours returns, for each cabled port of node, the endpoint at the other
// end of the cable: what node's LLDP neighbour table must show.
func (c Cabling) Neighbours(node string) map[string]Endpoint {
	n := map[string]Endpoint{}
	for _, l := range c.Links {
		if l.A.Node == node {
			n[l.A.Port] = l.B
		}
		if l.B.Node == node {
			n[l.B.Port] = l.A
		}
	}
	return n
}

// Address returns the LLDP management address node advertises: a leaf's
// management address, a host's vmnic0 address ("" for an unknown node).
func (c Cabling) Address(node string) string {
	for _, l := range c.Leaves {
		if l.Name == node {
			return l.Mgmt
		}
	}
	for _, h := range c.Hosts {
		if h.Name == node {
			return h.Address
		}
	}
	return ""
}

// PortDescription is the description a leaf gives the port cabled to e (its
// ifAlias, advertised in LLDP's Port Description and, by lldpd, as CDP's
// Port-ID).
func PortDescription(e Endpoint) string { return e.Node + " " + e.Port }

// MgmtNode is the name of the management namespace's node, from which the
// leaves are reachable.
const MgmtNode = "mgmt"

// Lab is a running lab. Its methods are safe for concurrent use.
type Lab struct {
	// ID tells this lab's namespaces (vnml<ID>-<node>) from any other's.
	ID string
	// Dir holds everything the lab wrote: configurations, sockets, logs, secrets.
	Dir string
	// Cabling is the topology the lab was built from.
	Cabling Cabling
	// CommunityFile holds the read-only SNMPv2c community of the leaves.
	CommunityFile string
	// V3 is the read-only SNMPv3 authPriv (SHA/AES) user of the leaves.
	V3 V3User

	script    string
	closeOnce sync.Once
	closeErr  error
}

// V3User names the files holding an SNMPv3 user's name and passphrases.
type V3User struct {
	UserFile, AuthFile, PrivFile string
}

// Namespace returns the network namespace of node (a leaf, a host or MgmtNode).
func (l *Lab) Namespace(node string) string { return namespace(l.ID, node) }

func namespace(id, node string) string { return "vnml" + id + "-" + node }

// LeafAddresses returns the management address of each leaf, by name.
func (l *Lab) LeafAddresses() map[string]string {
	m := map[string]string{}
	for _, leaf := range l.Cabling.Leaves {
		m[leaf.Name] = leaf.Mgmt
	}
	return m
}

// LLDPSocket returns the lldpd control socket of node, for `lldpcli -u`.
func (l *Lab) LLDPSocket(node string) string { return filepath.Join(l.Dir, node, "lldpd.sock") }

// Exec runs argv inside node's namespace and returns its standard output; the
// error carries its standard error.
func (l *Lab) Exec(ctx context.Context, node string, argv ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", l.Namespace(node)}, argv...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("lab: %s in %s: %w: %s", argv[0], node, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

var labSeq atomic.Uint32

// Up builds a lab for t and registers its teardown with t.Cleanup. When the
// machine cannot run it (not root, no network namespaces, a missing tool) it
// skips t, or fails it when the environment has CI=true, naming what is missing.
func Up(t testing.TB) *Lab {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	here := filepath.Dir(file)
	c, err := LoadCabling(filepath.Join(here, "cabling.json"))
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("%dx%x%02x", os.Getpid(), labSeq.Add(1), rand.N(256))
	if reason := unsupported(id); reason != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("lab: cannot run here: %s", reason)
		}
		t.Skipf("lab: cannot run here: %s (CI=true makes this a failure)", reason)
	}
	// A short directory: unix socket paths under it are limited to 107 bytes.
	dir, err := os.MkdirTemp("", "vnml")
	if err != nil {
		t.Fatal(err)
	}
	l := &Lab{
		ID: id, Dir: dir, Cabling: c, script: filepath.Join(here, "lab.sh"),
		CommunityFile: filepath.Join(dir, "community"),
		V3: V3User{
			UserFile: filepath.Join(dir, "v3.user"),
			AuthFile: filepath.Join(dir, "v3.auth"),
			PrivFile: filepath.Join(dir, "v3.priv"),
		},
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("lab: logs kept in %s", dir)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Labs of test processes that were killed before their cleanup ran.
	if out, err := exec.CommandContext(ctx, l.script, "gc").CombinedOutput(); err != nil {
		t.Logf("lab: gc: %v: %s", err, out)
	} else if len(out) > 0 {
		t.Logf("%s", out)
	}
	start := time.Now()
	out, err := exec.CommandContext(ctx, l.script, "up", id, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("lab: up %s: %v\n%s%s", id, err, out, l.logs())
	}
	t.Logf("lab %s up in %v", id, time.Since(start).Round(time.Millisecond))
	return l
}

// unsupported says why this machine cannot run a lab, or "" when it can.
func unsupported(id string) string {
	if os.Geteuid() != 0 {
		return "not root (network namespaces need CAP_SYS_ADMIN)"
	}
	var missing []string
	for _, tool := range []string{"ip", "bridge", "jq", "lldpd", "lldpcli", "snmpd", "snmpbulkwalk", "setsid"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return "missing " + strings.Join(missing, ", ") + " (run scripts/deps.sh)"
	}
	probe := namespace(id, "probe")
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		return fmt.Sprintf("ip netns add fails: %v: %s", err, bytes.TrimSpace(out))
	}
	if out, err := exec.Command("ip", "netns", "del", probe).CombinedOutput(); err != nil {
		return fmt.Sprintf("ip netns del fails: %v: %s", err, bytes.TrimSpace(out))
	}
	return ""
}

// logs returns the tail of every daemon log of the lab, for a failure message.
func (l *Lab) logs() string {
	files, _ := filepath.Glob(filepath.Join(l.Dir, "*", "*.log"))
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || len(data) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "--- %s\n%s\n", f, strings.Join(lines[max(0, len(lines)-10):], "\n"))
	}
	return b.String()
}

// ErrLeftovers is wrapped by Close's error when the teardown left a namespace
// or a process of the lab behind.
var ErrLeftovers = errors.New("lab: teardown left something behind")

// Close tears the lab down and checks that none of its namespaces (and so
// none of its veths and bridges, which live only inside them) and none of its
// processes is left. Calling it again returns the first result.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.close() })
	return l.closeErr
}

func (l *Lab) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	namespaces, err := l.namespaces(ctx)
	if err != nil {
		return err
	}
	var pids []int
	for _, ns := range namespaces {
		out, _ := exec.CommandContext(ctx, "ip", "netns", "pids", ns).Output()
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	if out, err := exec.CommandContext(ctx, l.script, "down", l.ID).CombinedOutput(); err != nil {
		return fmt.Errorf("lab: down %s: %w: %s", l.ID, err, out)
	}
	var left []string
	if namespaces, err = l.namespaces(ctx); err != nil {
		return err
	}
	for _, ns := range namespaces {
		left = append(left, "namespace "+ns)
	}
	for _, pid := range pids {
		if alive(pid) {
			left = append(left, "process "+strconv.Itoa(pid))
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("%w: %s", ErrLeftovers, strings.Join(left, ", "))
	}
	return nil
}

// namespaces lists the network namespaces of this lab that exist.
func (l *Lab) namespaces(ctx context.Context) ([]string, error) {
	out, err := exec.CommandContext(ctx, "ip", "netns", "list").Output()
	if err != nil {
		return nil, fmt.Errorf("lab: ip netns list: %w", err)
	}
	var ns []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], namespace(l.ID, "")) {
			ns = append(ns, f[0])
		}
	}
	return ns, nil
}

// alive reports whether pid still runs: it exists and is not a zombie waiting
// for its (re)parent to reap it.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}
