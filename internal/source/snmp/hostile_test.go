package snmp

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// hostileAgent is a real SNMPv2c agent over UDP on loopback that answers
// the system group properly and the interface tables in one of the ways
// no well-behaved agent (and so no snmpsimd fixture) can: a walk that does
// not advance, a table without end, values of the wrong type. It speaks
// the protocol through gosnmp's own packet codec.
type hostileAgent struct {
	conn     net.PacketConn
	mode     string
	requests atomic.Int64
}

const (
	ifDescrOID = ".1.3.6.1.2.1.2.2.1.2"
	ifXOID     = ".1.3.6.1.2.1.31.1.1"
)

func startHostile(t *testing.T, mode string) *hostileAgent {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &hostileAgent{conn: conn, mode: mode}
	t.Cleanup(func() { conn.Close() })
	go a.serve()
	return a
}

func (a *hostileAgent) port() uint16 { return uint16(a.conn.LocalAddr().(*net.UDPAddr).Port) }

func (a *hostileAgent) serve() {
	buf := make([]byte, 65535)
	for {
		n, from, err := a.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		a.requests.Add(1)
		req, err := (&gosnmp.GoSNMP{}).SnmpDecodePacket(buf[:n])
		if err != nil || req.Community != "public" {
			continue
		}
		resp := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: req.Community, PDUType: gosnmp.GetResponse,
			RequestID: req.RequestID}
		if a.mode == "ifxerr" && len(req.Variables) > 0 && strings.HasPrefix(req.Variables[0].Name, ifXOID) {
			// an agent that answers ifXTable with an error status, every time
			resp.Error, resp.ErrorIndex = gosnmp.GenErr, 1
			for _, v := range req.Variables {
				resp.Variables = append(resp.Variables, gosnmp.SnmpPDU{Name: v.Name, Type: gosnmp.Null})
			}
			if out, err := resp.MarshalMsg(); err == nil {
				a.conn.WriteTo(out, from)
			}
			continue
		}
		for _, v := range req.Variables {
			resp.Variables = append(resp.Variables, a.answer(req.PDUType, v.Name, int(req.MaxRepetitions))...)
		}
		out, err := resp.MarshalMsg()
		if err != nil {
			continue
		}
		a.conn.WriteTo(out, from)
	}
}

// answer returns the variables for one requested OID.
func (a *hostileAgent) answer(pdu gosnmp.PDUType, oid string, reps int) []gosnmp.SnmpPDU {
	if pdu == gosnmp.GetRequest {
		switch oid {
		case ".1.3.6.1.2.1.1.5.0":
			return []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.OctetString, Value: []byte("evil1")}}
		case ".1.3.6.1.2.1.1.1.0":
			return []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.OctetString, Value: []byte("hostile agent")}}
		case ".1.3.6.1.2.1.1.2.0":
			return []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.ObjectIdentifier, Value: ".1.3.6.1.4.1.99999"}}
		}
		return []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.NoSuchObject}}
	}
	if !strings.HasPrefix(oid, ".1.3.6.1.2.1.2.2") {
		return []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.EndOfMibView}}
	}
	reps = max(1, min(reps, 50))
	var out []gosnmp.SnmpPDU
	switch a.mode {
	case "loop": // always the same row: the walk never advances
		for range reps {
			out = append(out, gosnmp.SnmpPDU{Name: ifDescrOID + ".1", Type: gosnmp.OctetString, Value: []byte("Ethernet1")})
		}
	case "endless": // ifDescr.N for ever larger N
		n := 0
		if i := strings.LastIndexByte(oid, '.'); strings.HasPrefix(oid, ifDescrOID+".") {
			fmt.Sscan(oid[i+1:], &n)
		}
		for i := range reps {
			out = append(out, gosnmp.SnmpPDU{Name: fmt.Sprintf("%s.%d", ifDescrOID, n+i+1), Type: gosnmp.OctetString, Value: []byte("Ethernet")})
		}
	case "ifxerr": // ifTable holds ifDescr.1, then the end (ifXTable errs: serve)
		if CompareOID(oid, ifDescrOID+".1") >= 0 {
			return []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.EndOfMibView}}
		}
		out = append(out, gosnmp.SnmpPDU{Name: ifDescrOID + ".1", Type: gosnmp.OctetString, Value: []byte("Ethernet1")})
	case "badtype": // ifDescr.1 as a Counter64, then the end
		if oid == ifDescrOID+".1" || strings.HasPrefix(oid, ifDescrOID+".1") {
			return []gosnmp.SnmpPDU{{Name: oid, Type: gosnmp.EndOfMibView}}
		}
		out = append(out, gosnmp.SnmpPDU{Name: ifDescrOID + ".1", Type: gosnmp.Counter64, Value: uint64(7)})
	}
	return out
}

func TestHostileAgents(t *testing.T) {
	tests := []struct {
		mode    string
		wantErr error
		want    string
	}{
		{"loop", ErrLoop, "not increasing"},
		{"endless", ErrTooLarge, "more than 200 rows"},
		{"badtype", ErrBadValue, "ifTable"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			a := startHostile(t, tt.mode)
			cfg := testConfig(t, a.port(), "127.0.0.1")
			cfg.MaxRows = 200
			cfg.Discovery.Enabled = false
			snap, _, err := collect(t, cfg)
			failures := strings.Join(snap.Failures, "; ")
			if err != nil {
				if !errors.Is(err, tt.wantErr) && !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Collect error = %v; want one wrapping %v", err, tt.wantErr)
				}
				failures = err.Error()
			}
			if !strings.Contains(failures, tt.want) || !strings.Contains(failures, "127.0.0.1") {
				t.Errorf("failures %q: want them to say %q and name the device", failures, tt.want)
			}
			if got := a.requests.Load(); got > 500 {
				t.Errorf("the collector sent %d requests to a hostile agent; want it bounded", got)
			}
		})
	}
}

// An agent that answers ifXTable with an error status every time (not a
// timeout) costs the ifXTable, not the switch: its ports come from ifTable.
func TestIfXTableAgentError(t *testing.T) {
	a := startHostile(t, "ifxerr")
	cfg := testConfig(t, a.port(), "127.0.0.1")
	cfg.Discovery.Enabled = false
	snap, _, err := collect(t, cfg)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if _, ok := byKey(snap)["port:evil1/Ethernet1"]; !ok {
		t.Errorf("port from ifTable lost to ifXTable's error; facts %v", snap.Facts)
	}
	if len(snap.Keep) != 0 {
		t.Errorf("got keep %v; want none (ifTable's ports are stated)", snap.Keep)
	}
	h := tableHealth(t, snap, "switch:evil1", "ifXTable")
	if !strings.Contains(h.Error, "genErr") && !strings.Contains(h.Error, "agent error") {
		t.Errorf("got ifXTable health %+v; want the agent's error", h)
	}
	if f := strings.Join(snap.Failures, "; "); !strings.Contains(f, "ifXTable") {
		t.Errorf("got failures %q; want ifXTable's error reported", f)
	}
}
