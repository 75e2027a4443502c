// Package flowlab builds, for integration tests, a virtualisation host in
// Linux network namespaces whose traffic a real exporter reports: VM
// namespaces with fixed MACs and addresses, cabled to a bridge in a host
// namespace (the host's virtual switch), softflowd (Debian) capturing on that
// bridge and exporting NetFlow or IPFIX to a collector namespace, and
// generators of known traffic (TCP, UDP, ICMP) between the VMs that report
// what they put on the wire.
//
// It is not a simulator: the flows are real packets and the exports come
// from softflowd. Nothing is configured in the root namespace; every address
// is in 10.215.0.0/16. It needs root, iproute2, softflowd, softflowctl and
// ping (scripts/deps.sh); without them Up skips the test, or fails it when
// CI=true.
package flowlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Node names besides the VMs' (vm1, vm2, …).
const (
	// HostNode is the virtualisation host: the bridge br0 the VMs are
	// cabled to, where softflowd captures, and mgmt0 towards the collector.
	HostNode = "host"
	// CollectorNode receives the exports at Lab.Collector.
	CollectorNode = "collector"
)

// FlushPort is the UDP port (source and destination) of the traffic that
// Exporter.Flush sends from the first VM to the last: tests should not use
// it, and should ignore its flow in the exports.
const FlushPort = 9

// VM is a VM of the lab: a namespace with one NIC, eth0.
type VM struct {
	Name string
	MAC  net.HardwareAddr
	Addr netip.Addr
}

// Lab is a running flow lab. Its methods are safe for concurrent use.
type Lab struct {
	// ID tells this lab's namespaces (vnfl<ID>-<node>) from any other's.
	ID string
	// Dir holds what the lab wrote: control sockets, logs.
	Dir string
	// VMs are vm1…vmN on 10.215.1.0/24, MACs 02:00:00:d7:01:<n>.
	VMs []VM
	// Exporter is the host's address towards the collector, the source of
	// softflowd's export datagrams.
	Exporter netip.Addr
	// Collector is the collector namespace's address.
	Collector netip.Addr

	mu        sync.Mutex
	exporters []*Exporter
	sink      *net.UDPConn
	closeOnce sync.Once
	closeErr  error
}

// Namespace returns the network namespace of node (a VM's name, HostNode or
// CollectorNode).
func (l *Lab) Namespace(node string) string { return namespace(l.ID, node) }

func namespace(id, node string) string { return "vnfl" + id + "-" + node }

// VM returns the VM named name.
func (l *Lab) VM(name string) (VM, bool) {
	for _, v := range l.VMs {
		if v.Name == name {
			return v, true
		}
	}
	return VM{}, false
}

var labSeq atomic.Uint32

// Up builds a lab of vms VMs (at least 2) for t and registers its teardown
// with t.Cleanup. When the machine cannot run it (not root, no network
// namespaces, a missing tool) it skips t, or fails it when CI=true, naming
// what is missing.
func Up(t testing.TB, vms int) *Lab {
	t.Helper()
	if vms < 2 || vms > 200 {
		t.Fatalf("flowlab: %d VMs; want 2 to 200", vms)
	}
	id := fmt.Sprintf("%dx%x%02x", os.Getpid(), labSeq.Add(1), rand.N(256))
	if reason := unsupported(id); reason != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("flowlab: cannot run here: %s", reason)
		}
		t.Skipf("flowlab: cannot run here: %s (CI=true makes this a failure)", reason)
	}
	gc()
	// A short directory: unix socket paths under it are limited to 107 bytes.
	dir, err := os.MkdirTemp("", "vnfl")
	if err != nil {
		t.Fatal(err)
	}
	l := &Lab{
		ID: id, Dir: dir,
		Exporter:  netip.MustParseAddr("10.215.0.1"),
		Collector: netip.MustParseAddr("10.215.0.2"),
	}
	for i := 1; i <= vms; i++ {
		l.VMs = append(l.VMs, VM{
			Name: "vm" + strconv.Itoa(i),
			MAC:  net.HardwareAddr{0x02, 0, 0, 0xd7, 0x01, byte(i)},
			Addr: netip.AddrFrom4([4]byte{10, 215, 1, byte(i)}),
		})
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("flowlab: logs kept in %s", dir)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	if err := l.build(ctx); err != nil {
		t.Fatalf("flowlab %s: %v", id, err)
	}
	t.Logf("flowlab %s up in %v", id, time.Since(start).Round(time.Millisecond))
	return l
}

// unsupported says why this machine cannot run a lab, or "" when it can.
func unsupported(id string) string {
	if os.Geteuid() != 0 {
		return "not root (network namespaces need CAP_SYS_ADMIN)"
	}
	var missing []string
	for _, tool := range []string{"ip", "softflowd", "softflowctl", "ping"} {
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

// run runs a command and returns its error with its output.
func run(ctx context.Context, argv ...string) error {
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// build creates the namespaces and links:
//
//	vmN eth0 (MAC, 10.215.1.N/24) ── pN ┐
//	                              host br0 (softflowd captures here)
//	host mgmt0 10.215.0.1/24 ── collector eth0 10.215.0.2/24
//
// IPv6 is off everywhere (no neighbour discovery in the captures), so is
// multicast on the bridge and the VMs' NICs (no IGMP), every VM knows every
// other's MAC (no ARP), and the VMs' NICs send no GSO
// super-packets (gso_max_segs 1), so TCP is captured segment by segment as
// it would cross a wire. TCP sends no tail loss probes
// (tcp_early_retrans=0): on a loaded machine an acknowledgement late by a
// few milliseconds would otherwise make it retransmit, and the bytes on the
// wire would no longer be what TCPConversation can count.
func (l *Lab) build(ctx context.Context) error {
	nodes := []string{HostNode, CollectorNode}
	for _, v := range l.VMs {
		nodes = append(nodes, v.Name)
	}
	for _, n := range nodes {
		ns := l.Namespace(n)
		if err := run(ctx, "ip", "netns", "add", ns); err != nil {
			return err
		}
		if err := run(ctx, "ip", "netns", "exec", ns, "sysctl", "-qw",
			"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
			"net.ipv4.tcp_early_retrans=0"); err != nil {
			return err
		}
		if err := run(ctx, "ip", "-n", ns, "link", "set", "lo", "up"); err != nil {
			return err
		}
	}
	host, col := l.Namespace(HostNode), l.Namespace(CollectorNode)
	steps := [][]string{
		{"ip", "-n", host, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"},
		{"ip", "-n", host, "link", "set", "br0", "multicast", "off"},
		{"ip", "-n", host, "link", "set", "br0", "up"},
		{"ip", "-n", host, "link", "add", "mgmt0", "type", "veth", "peer", "name", "eth0", "netns", col},
		{"ip", "-n", host, "addr", "add", l.Exporter.String() + "/24", "dev", "mgmt0"},
		{"ip", "-n", col, "addr", "add", l.Collector.String() + "/24", "dev", "eth0"},
		{"ip", "-n", host, "link", "set", "mgmt0", "up"},
		{"ip", "-n", col, "link", "set", "eth0", "up"},
	}
	for i, v := range l.VMs {
		ns, port := l.Namespace(v.Name), "p"+strconv.Itoa(i+1)
		steps = append(steps,
			[]string{"ip", "-n", ns, "link", "add", "eth0", "address", v.MAC.String(), "type", "veth", "peer", "name", port, "netns", host},
			[]string{"ip", "-n", ns, "link", "set", "eth0", "gso_max_segs", "1", "multicast", "off"},
			[]string{"ip", "-n", ns, "addr", "add", v.Addr.String() + "/24", "dev", "eth0"},
			[]string{"ip", "-n", ns, "link", "set", "eth0", "up"},
			[]string{"ip", "-n", host, "link", "set", port, "master", "br0", "up"},
			rps(ns, "eth0"), rps(host, port),
		)
		for _, o := range l.VMs {
			if o.Name != v.Name {
				steps = append(steps, []string{"ip", "-n", ns, "neigh", "replace", o.Addr.String(),
					"lladdr", o.MAC.String(), "dev", "eth0", "nud", "permanent"})
			}
		}
	}
	for _, s := range steps {
		if err := run(ctx, s...); err != nil {
			return err
		}
	}
	// The flush traffic's sink: its datagrams are received, so they cause
	// no ICMP port unreachable (which would be flows of their own).
	last := l.VMs[len(l.VMs)-1]
	err := l.Do(last.Name, func() error {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(last.Addr, FlushPort)))
		l.sink = c
		return err
	})
	if err != nil {
		return fmt.Errorf("flush sink: %w", err)
	}
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := l.sink.ReadFromUDP(buf); err != nil {
				return
			}
		}
	}()
	// Reachability, before any exporter captures: the bridge forwards (once
	// the kernel has seen the ports' carrier), the collector answers.
	if err := reachable(ctx, l.Namespace(l.VMs[0].Name), last.Addr); err != nil {
		return err
	}
	return reachable(ctx, host, l.Collector)
}

// rps steers what dev receives to the first CPU (receive packet steering).
// A veth delivers a frame to the backlog of the CPU that sent it, and TCP
// sends from the writer's CPU and from whichever CPU processes the
// acknowledgements: with two backlogs, segments can overtake each other,
// and the receiver's SACK options would add header bytes no counter tells.
func rps(ns, dev string) []string {
	return []string{"ip", "netns", "exec", ns, "sh", "-c", "echo 1 > /sys/class/net/" + dev + "/queues/rx-0/rps_cpus"}
}

// reachable pings addr from ns until it answers, for up to ten seconds.
func reachable(ctx context.Context, ns string, addr netip.Addr) error {
	var err error
	for range 10 {
		if err = run(ctx, "ip", "netns", "exec", ns, "ping", "-q", "-c", "1", "-W", "1", addr.String()); err == nil {
			return nil
		}
	}
	return err
}

// Do runs f on an OS thread switched into node's network namespace: the
// sockets f opens (net.Listen*, net.Dial*, a listener's Start) live in that
// namespace and keep working from any goroutine afterwards. Goroutines f
// starts run in the test's namespace. The thread goes back to the test's
// namespace afterwards, or, if it cannot, ends with f.
func (l *Lab) Do(node string, f func() error) error {
	ns, err := os.Open(filepath.Join("/run/netns", l.Namespace(node)))
	if err != nil {
		return fmt.Errorf("flowlab: namespace of %s: %w", node, err)
	}
	defer ns.Close()
	errc := make(chan error, 1)
	go func() {
		// Unlocked only once back in its own namespace: otherwise the
		// thread exits with this goroutine (or, for the main thread, is
		// never used again) instead of serving others in the lab's.
		runtime.LockOSThread()
		own, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- fmt.Errorf("flowlab: own namespace: %w", err)
			return
		}
		defer own.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("flowlab: setns %s: %w", node, err)
			return
		}
		err = f()
		if unix.Setns(int(own.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// Exec runs argv inside node's namespace and returns its standard output;
// the error carries its standard error.
func (l *Lab) Exec(ctx context.Context, node string, argv ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", l.Namespace(node)}, argv...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("flowlab: %s in %s: %w: %s", argv[0], node, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// ErrLeftovers is wrapped by Close's error when the teardown left a
// namespace or a process of the lab behind.
var ErrLeftovers = errors.New("flowlab: teardown left something behind")

// Close stops the exporters, kills what still runs in the lab's namespaces,
// deletes them and checks that nothing is left. Calling it again returns
// the first result.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.close() })
	return l.closeErr
}

func (l *Lab) close() error {
	l.mu.Lock()
	exporters := l.exporters
	l.mu.Unlock()
	var errs []error
	for _, e := range exporters {
		if err := e.stop(); err != nil {
			errs = append(errs, err)
		}
	}
	if l.sink != nil {
		l.sink.Close()
	}
	pids, err := down(l.ID)
	if err != nil {
		errs = append(errs, err)
	}
	var left []string
	namespaces, err := labNamespaces(l.ID)
	if err != nil {
		errs = append(errs, err)
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
		errs = append(errs, fmt.Errorf("%w: %s", ErrLeftovers, strings.Join(left, ", ")))
	}
	return errors.Join(errs...)
}

// down kills the processes inside lab id's namespaces (politely, then
// firmly) and deletes the namespaces, which destroys their links. It
// returns the processes it found.
func down(id string) ([]int, error) {
	namespaces, err := labNamespaces(id)
	if err != nil {
		return nil, err
	}
	var found []int
	for _, ns := range namespaces {
		for _, pid := range nsPids(ns) {
			// A thread of this process may sit in a lab namespace (Do):
			// never signal ourselves.
			if pid != os.Getpid() {
				found = append(found, pid)
			}
		}
	}
	for _, pid := range found {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		n := 0
		for _, pid := range found {
			if alive(pid) {
				n++
			}
		}
		if n == 0 {
			break
		}
	}
	for _, pid := range found {
		if alive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	var errs []error
	for _, ns := range namespaces {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("flowlab: ip netns del %s: %w: %s", ns, err, bytes.TrimSpace(out)))
		}
	}
	return found, errors.Join(errs...)
}

// gc removes the labs of test processes that were killed before their
// cleanup ran (IDs <pid>x…, whose pid is gone).
func gc() {
	namespaces, err := labNamespaces("")
	if err != nil {
		return
	}
	done := map[string]bool{}
	for _, ns := range namespaces {
		id, _, _ := strings.Cut(strings.TrimPrefix(ns, "vnfl"), "-")
		pid, _, ok := strings.Cut(id, "x")
		n, err := strconv.Atoi(pid)
		if !ok || err != nil || done[id] || syscall.Kill(n, 0) != syscall.ESRCH {
			continue
		}
		done[id] = true
		down(id)
	}
}

// labNamespaces lists the existing namespaces of lab id (of every lab for "").
func labNamespaces(id string) ([]string, error) {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return nil, fmt.Errorf("flowlab: ip netns list: %w", err)
	}
	prefix := "vnfl" + id
	if id != "" {
		prefix += "-"
	}
	var ns []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], prefix) {
			ns = append(ns, f[0])
		}
	}
	return ns, nil
}

// nsPids lists the processes inside a namespace.
func nsPids(ns string) []int {
	out, _ := exec.Command("ip", "netns", "pids", ns).Output()
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether pid still runs: it exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}
