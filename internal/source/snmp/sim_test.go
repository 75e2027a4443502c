package snmp

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

// simAgent is one snmpsimd process serving fixture files on loopback
// endpoints that share one UDP port.
type simAgent struct {
	port uint16
}

// needSnmpsimd returns the snmpsimd path, failing in CI and skipping
// elsewhere when it is missing.
func needSnmpsimd(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("snmpsimd")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("snmpsimd not found (Debian package snmpsim, scripts/deps.sh): %v", err)
		}
		t.Skipf("snmpsimd not found (install the Debian package snmpsim): %v", err)
	}
	return p
}

// freeUDPPort returns a UDP port free on every address given.
func freeUDPPort(t testing.TB, addrs []string) uint16 {
	t.Helper()
	for range 20 {
		c, err := net.ListenPacket("udp4", addrs[0]+":0")
		if err != nil {
			t.Fatal(err)
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
	t.Fatal("no free UDP port on every endpoint")
	return 0
}

// v3User is the one USM user of an SNMPv3 simulator (authPriv).
type v3User struct {
	user, auth, authKey, priv, privKey string
}

// startSim serves files on endpoints: files maps an endpoint address to its
// data files by community (public, public@110…). With v3 set, the agent
// speaks SNMPv3 only with that user and serves one endpoint, whose data file
// is selected by its transport ID.
func startSim(t testing.TB, endpoints []string, files map[string]map[string][]byte, v3 *v3User) simAgent {
	t.Helper()
	bin := needSnmpsimd(t)
	root, err := os.MkdirTemp("", "vnetmap-snmpsim-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	data, cache := filepath.Join(root, "data"), filepath.Join(root, "cache")
	for i, ep := range endpoints {
		transport := fmt.Sprintf("1.3.6.1.6.1.1.%d", i)
		for community, b := range files[ep] {
			path := filepath.Join(data, community, transport+".snmprec")
			if v3 != nil {
				path = filepath.Join(data, transport+".snmprec")
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	port := freeUDPPort(t, endpoints)
	args := []string{"--data-dir=" + data, "--cache-dir=" + cache, "--logging-method=null"}
	if v3 == nil {
		args = append(args, "--v2c-arch")
	} else {
		args = append(args, "--v3-only", "--v3-user="+v3.user, "--v3-auth-proto="+v3.auth, "--v3-auth-key="+v3.authKey,
			"--v3-priv-proto="+v3.priv, "--v3-priv-key="+v3.privKey)
	}
	for _, ep := range endpoints {
		args = append(args, fmt.Sprintf("--agent-udpv4-endpoint=%s:%d", ep, port))
	}
	if os.Geteuid() == 0 { // snmpsimd refuses to run as root
		if err := os.Chmod(root, 0o755); err != nil {
			t.Fatal(err)
		}
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Fatal(err)
		}
		var uid, gid int
		fmt.Sscan(nobody.Uid, &uid)
		fmt.Sscan(nobody.Gid, &gid)
		if err := os.Chown(cache, uid, gid); err != nil {
			t.Fatal(err)
		}
		g, err := user.LookupGroupId(nobody.Gid)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "--process-user=nobody", "--process-group="+g.Name)
	}
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	// Ready when the last endpoint answers (snmpsimd indexes every file first).
	probe := &gosnmp.GoSNMP{Target: endpoints[len(endpoints)-1], Port: port, Version: gosnmp.Version2c, Community: "public", Timeout: 200 * time.Millisecond, Retries: 0}
	if v3 != nil {
		probe.Version = gosnmp.Version3
		probe.SecurityModel = gosnmp.UserSecurityModel
		probe.MsgFlags = gosnmp.AuthPriv
		probe.SecurityParameters = &gosnmp.UsmSecurityParameters{
			UserName: v3.user, AuthenticationProtocol: authProtocol(v3.auth), AuthenticationPassphrase: v3.authKey,
			PrivacyProtocol: privProtocol(v3.priv), PrivacyPassphrase: v3.privKey,
		}
	}
	if err := probe.Connect(); err != nil {
		t.Fatal(err)
	}
	defer probe.Conn.Close()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			t.Fatalf("snmpsimd exited: %s", stderr.String())
		default:
		}
		if _, err := probe.Get([]string{oidSysName}); err == nil {
			return simAgent{port: port}
		}
	}
	t.Fatalf("snmpsimd not answering after 60s: %s", stderr.String())
	return simAgent{}
}

// fabricFiles maps each fixture endpoint to its files by community.
func fabricFiles(t testing.TB, community string) ([]string, map[string]map[string][]byte) {
	t.Helper()
	ff := fixtureFiles()
	files := map[string]map[string][]byte{
		core1Addr: {}, leaf1Addr: {community: ff["leaf1.snmprec"]}, leaf2Addr: {community: ff["leaf2.snmprec"]}, core1Alt: {},
	}
	for name, b := range ff {
		if rest, ok := strings.CutPrefix(name, "core1"); ok {
			c := community + strings.TrimSuffix(rest, ".snmprec")
			files[core1Addr][c] = b
			files[core1Alt][c] = b
		}
	}
	return []string{core1Addr, leaf1Addr, leaf2Addr, core1Alt}, files
}
