// Package snmpsim runs Debian's snmpsimd for tests: it serves .snmprec files
// on loopback endpoints that share one UDP port, as real SNMP agents, and
// stops it when the test ends.
//
// It is for tests only; nothing in the vnetmap binary imports it.
package snmpsim

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

// Need returns the snmpsimd path, failing the test in CI (CI=true) and
// skipping it elsewhere, saying why, when snmpsimd is missing.
func Need(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("snmpsimd")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("snmpsimd not found (Debian package snmpsim, scripts/deps.sh): %v", err)
		}
		tb.Skipf("snmpsimd not found (install the Debian package snmpsim): %v", err)
	}
	return p
}

// FreePort returns a UDP port free on every address given.
func FreePort(tb testing.TB, addrs []string) uint16 {
	tb.Helper()
	for range 20 {
		c, err := net.ListenPacket("udp4", addrs[0]+":0")
		if err != nil {
			tb.Fatal(err)
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		ok := true
		for _, a := range addrs[1:] {
			c, err := net.ListenPacket("udp4", fmt.Sprintf("%s:%d", a, port))
			if err != nil {
				ok = false
				break
			}
			c.Close()
		}
		if ok {
			return uint16(port)
		}
	}
	tb.Fatal("no free UDP port on every endpoint")
	return 0
}

// Agent says how to run one snmpsimd.
type Agent struct {
	// Endpoints are the loopback addresses served, on one port.
	Endpoints []string
	// Files maps an endpoint to its data files by community (public,
	// public@110…); with V3Args, the one file of each endpoint.
	Files map[string]map[string][]byte
	// V3Args, when set, makes the agent SNMPv3-only with these snmpsimd
	// flags (--v3-user=…); each endpoint's file is selected by its
	// transport ID.
	V3Args []string
	// Ready reports whether the agent answers at addr:port; Start waits
	// for it on the last endpoint (snmpsimd indexes every file first).
	Ready func(addr string, port uint16) bool
}

// Start runs snmpsimd for a (as user nobody when the test runs as root,
// which snmpsimd refuses) and returns its port once Ready says it answers.
func Start(tb testing.TB, a Agent) uint16 {
	tb.Helper()
	bin := Need(tb)
	root, err := os.MkdirTemp("", "vnetmap-snmpsim-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(root) })
	data, cache := filepath.Join(root, "data"), filepath.Join(root, "cache")
	for i, ep := range a.Endpoints {
		transport := fmt.Sprintf("1.3.6.1.6.1.1.%d", i)
		for community, b := range a.Files[ep] {
			path := filepath.Join(data, community, transport+".snmprec")
			if a.V3Args != nil {
				path = filepath.Join(data, transport+".snmprec")
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		tb.Fatal(err)
	}
	port := FreePort(tb, a.Endpoints)
	args := []string{"--data-dir=" + data, "--cache-dir=" + cache, "--logging-method=null"}
	if a.V3Args == nil {
		args = append(args, "--v2c-arch")
	} else {
		args = append(append(args, "--v3-only"), a.V3Args...)
	}
	for _, ep := range a.Endpoints {
		args = append(args, fmt.Sprintf("--agent-udpv4-endpoint=%s:%d", ep, port))
	}
	if os.Geteuid() == 0 { // snmpsimd refuses to run as root
		if err := os.Chmod(root, 0o755); err != nil {
			tb.Fatal(err)
		}
		nobody, err := user.Lookup("nobody")
		if err != nil {
			tb.Fatal(err)
		}
		var uid, gid int
		fmt.Sscan(nobody.Uid, &uid)
		fmt.Sscan(nobody.Gid, &gid)
		if err := os.Chown(cache, uid, gid); err != nil {
			tb.Fatal(err)
		}
		g, err := user.LookupGroupId(nobody.Gid)
		if err != nil {
			tb.Fatal(err)
		}
		args = append(args, "--process-user=nobody", "--process-group="+g.Name)
	}
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	last := a.Endpoints[len(a.Endpoints)-1]
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			tb.Fatalf("snmpsimd exited: %s", stderr.String())
		default:
		}
		if a.Ready(last, port) {
			return port
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("snmpsimd not answering after 60s: %s", stderr.String())
	return 0
}

// V2cReady returns a Ready that sends one SNMPv2c GET of sysName with
// community.
func V2cReady(community string) func(addr string, port uint16) bool {
	return func(addr string, port uint16) bool {
		return Answers(&gosnmp.GoSNMP{Target: addr, Port: port, Version: gosnmp.Version2c, Community: community})
	}
}

// Answers sends one GET of sysName with g (its target, port and security
// set; a short timeout, no retry) and reports whether a response came.
func Answers(g *gosnmp.GoSNMP) bool {
	g.Timeout, g.Retries = 200*time.Millisecond, 0
	if err := g.Connect(); err != nil {
		return false
	}
	defer g.Conn.Close()
	_, err := g.Get([]string{"1.3.6.1.2.1.1.5.0"})
	return err == nil
}
