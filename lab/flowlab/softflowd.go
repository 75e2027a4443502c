package flowlab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Exporter is a softflowd capturing on the host's bridge and exporting to
// the collector.
type Exporter struct {
	// Version is the export protocol: 5, 9 or 10 (IPFIX).
	Version int
	// Port is the collector's UDP port the exports go to.
	Port uint16
	// Log is softflowd's output.
	Log string

	lab  *Lab
	ctl  string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartSoftflowd starts softflowd in the host namespace, capturing on br0
// (every frame between the VMs) with full tracking including MACs and VLAN
// (-T ether), and exporting with version (5, 9 or 10) to
// Lab.Collector:port. It returns once softflowd captures; the collector's
// socket should be open by then, or the first datagram (with the
// templates) is lost. The exporter stops with the lab.
//
// softflowd's default timeouts are kept: a flow is exported by Flush, or
// when softflowd stops.
func (l *Lab) StartSoftflowd(t testing.TB, version int, port uint16) *Exporter {
	t.Helper()
	name := fmt.Sprintf("softflowd-v%d-%d", version, port)
	e := &Exporter{
		Version: version, Port: port, Log: filepath.Join(l.Dir, name+".log"),
		lab: l, ctl: filepath.Join(l.Dir, name+".ctl"), done: make(chan struct{}),
	}
	log, err := os.Create(e.Log)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	// -d: foreground (the test owns the process); -c: a control socket of
	// its own, for Flush; -p: a pid file of its own (none is written in
	// the foreground, but the default path is shared).
	e.cmd = exec.Command("ip", "netns", "exec", l.Namespace(HostNode), "softflowd", "-d",
		"-i", "br0", "-v", strconv.Itoa(version), "-T", "ether",
		"-n", netip.AddrPortFrom(l.Collector, port).String(),
		"-c", e.ctl, "-p", filepath.Join(l.Dir, name+".pid"))
	e.cmd.Stdout, e.cmd.Stderr = log, log
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("flowlab: start softflowd: %v", err)
	}
	go func() {
		e.cmd.Wait()
		close(e.done)
	}()
	l.mu.Lock()
	l.exporters = append(l.exporters, e)
	l.mu.Unlock()

	// softflowd opens its capture before its control socket: once the
	// socket answers, every packet on br0 is seen.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		if _, err := e.Control(ctx, "statistics"); err == nil {
			return e
		}
		select {
		case <-e.done:
			out, _ := os.ReadFile(e.Log)
			t.Fatalf("flowlab: softflowd -v %d exited: %s", version, out)
		case <-ctx.Done():
			out, _ := os.ReadFile(e.Log)
			t.Fatalf("flowlab: softflowd -v %d: control socket never answered: %s", version, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Control runs a softflowctl command (statistics, dump-flows, expire-all,
// …) against this exporter and returns its output.
func (e *Exporter) Control(ctx context.Context, command string) (string, error) {
	out, err := exec.CommandContext(ctx, "softflowctl", "-c", e.ctl, command).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("flowlab: softflowctl %s: %w: %s", command, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Flush makes softflowd export every flow it tracks, including the last
// packets sent before the call, and returns when the export datagrams are
// sent.
//
// softflowd 1.1.0 opens its capture without immediate mode and with no
// buffer timeout, so libpcap hands it packets only when a 256 KiB block of
// its TPACKET_V3 ring is full (irino/softflowd#71): a quiet test would
// never be processed. Flush therefore sends UDP traffic from the first VM to
// the last (FlushPort to FlushPort) until softflowd shows that flow in its
// table, which proves it has processed every packet before it, then asks
// softflowd to expire all flows (softflowctl expire-all), which exports
// them. The flush flow is exported too.
func (e *Exporter) Flush(ctx context.Context) error {
	l := e.lab
	first, last := l.VMs[0], l.VMs[len(l.VMs)-1]
	var conn *net.UDPConn
	err := l.Do(first.Name, func() (err error) {
		conn, err = net.DialUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(first.Addr, FlushPort)),
			net.UDPAddrFromAddrPort(netip.AddrPortFrom(last.Addr, FlushPort)))
		return err
	})
	if err != nil {
		return fmt.Errorf("flowlab: flush: %w", err)
	}
	defer conn.Close()
	// softflowd prints a flow's endpoints in its own order.
	want := []string{
		fmt.Sprintf("[%s]:%d <> [%s]:%d proto:17 ", first.Addr, FlushPort, last.Addr, FlushPort),
		fmt.Sprintf("[%s]:%d <> [%s]:%d proto:17 ", last.Addr, FlushPort, first.Addr, FlushPort),
	}
	payload := make([]byte, 1400)
	for round := 1; ; round++ {
		for range 64 {
			if _, err := conn.Write(payload); err != nil {
				return fmt.Errorf("flowlab: flush traffic: %w", err)
			}
		}
		flows, err := e.Control(ctx, "dump-flows")
		if err != nil {
			return err
		}
		if strings.Contains(flows, want[0]) || strings.Contains(flows, want[1]) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("flowlab: flush: softflowd -v %d never processed the flush traffic (%d rounds): %w", e.Version, round, ctx.Err())
		case <-e.done:
			return fmt.Errorf("flowlab: flush: softflowd -v %d exited", e.Version)
		case <-time.After(10 * time.Millisecond):
		}
	}
	_, err = e.Control(ctx, "expire-all")
	return err
}

// stop stops softflowd (SIGTERM, which exports what it still tracks), then
// kills it if it lingers.
func (e *Exporter) stop() error {
	select {
	case <-e.done:
		return nil
	default:
	}
	syscall.Kill(-e.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-e.done:
		return nil
	case <-time.After(5 * time.Second):
	}
	syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-e.done:
		return fmt.Errorf("flowlab: softflowd -v %d ignored SIGTERM", e.Version)
	case <-time.After(5 * time.Second):
		return fmt.Errorf("flowlab: softflowd -v %d (pid %d) survived SIGKILL", e.Version, e.cmd.Process.Pid)
	}
}
