package snmp

import (
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/vnetmap/vnetmap/internal/snmpsim"
)

// simAgent is one snmpsimd process serving fixture files on loopback
// endpoints that share one UDP port.
type simAgent struct {
	port uint16
}

// needSnmpsimd returns the snmpsimd path, failing in CI and skipping
// elsewhere when it is missing.
func needSnmpsimd(t testing.TB) string { return snmpsim.Need(t) }

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
	a := snmpsim.Agent{Endpoints: endpoints, Files: files, Ready: snmpsim.V2cReady("public")}
	if v3 != nil {
		a.V3Args = []string{"--v3-user=" + v3.user, "--v3-auth-proto=" + v3.auth, "--v3-auth-key=" + v3.authKey,
			"--v3-priv-proto=" + v3.priv, "--v3-priv-key=" + v3.privKey}
		a.Ready = func(addr string, port uint16) bool {
			return snmpsim.Answers(&gosnmp.GoSNMP{Target: addr, Port: port, Version: gosnmp.Version3,
				SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.AuthPriv,
				SecurityParameters: &gosnmp.UsmSecurityParameters{
					UserName: v3.user, AuthenticationProtocol: authProtocol(v3.auth), AuthenticationPassphrase: v3.authKey,
					PrivacyProtocol: privProtocol(v3.priv), PrivacyPassphrase: v3.privKey,
				}})
		}
	}
	return simAgent{port: snmpsim.Start(t, a)}
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
