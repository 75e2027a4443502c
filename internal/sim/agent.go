package sim

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gosnmp/gosnmp"

	"github.com/vnetmap/vnetmap/internal/source/snmp"
)

// A small SNMPv2c agent: it answers Get, GetNext and GetBulk from one
// switch's OID table, with gosnmp's packet codec. Like a real agent it
// does not answer a request with another community or another SNMP
// version, answers Set with notWritable, and keeps responses under
// maxResponse octets (GetBulk drops trailing repetitions, Get and GetNext
// answer tooBig). A malformed datagram gets no answer and never a panic
// (FuzzAnswer).

// Limits of one exchange.
const (
	maxRequest     = 8192  // octets; a longer datagram is dropped
	maxResponse    = 16384 // octets
	maxVarbinds    = 1024  // variables in one response
	maxRepetitions = 200   // GetBulk max-repetitions honoured
)

// variable is one object instance of a table.
type variable struct {
	oid  []uint32
	name string // dotted with a leading dot, as gosnmp spells OIDs
	typ  gosnmp.Asn1BER
	val  any
}

// mib is one switch's variables in OID order. It is not changed once
// built: a rebuilt table replaces it whole.
type mib struct{ vars []variable }

// find returns the position of oid, or where it would be, and whether it
// is there.
func (m *mib) find(oid []uint32) (int, bool) {
	return slices.BinarySearchFunc(m.vars, oid, func(v variable, t []uint32) int { return slices.Compare(v.oid, t) })
}

// get is the Get answer for one variable.
func (m *mib) get(name string, oid []uint32) gosnmp.SnmpPDU {
	i, ok := m.find(oid)
	if ok {
		return m.vars[i].pdu()
	}
	// noSuchInstance when the object type exists (a variable under the
	// requested OID's parent), noSuchObject otherwise.
	if parent := oid[:len(oid)-1]; len(parent) > 0 && ((i < len(m.vars) && hasPrefix(m.vars[i].oid, parent)) || (i > 0 && hasPrefix(m.vars[i-1].oid, parent))) {
		return gosnmp.SnmpPDU{Name: name, Type: gosnmp.NoSuchInstance}
	}
	return gosnmp.SnmpPDU{Name: name, Type: gosnmp.NoSuchObject}
}

// next is the GetNext answer for one variable and the OID answered; end is
// true at the end of the MIB view.
func (m *mib) next(name string, oid []uint32) (pdu gosnmp.SnmpPDU, at []uint32, end bool) {
	i, ok := m.find(oid)
	if ok {
		i++
	}
	if i >= len(m.vars) {
		return gosnmp.SnmpPDU{Name: name, Type: gosnmp.EndOfMibView}, oid, true
	}
	return m.vars[i].pdu(), m.vars[i].oid, false
}

func (v *variable) pdu() gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: v.name, Type: v.typ, Value: v.val}
}

func hasPrefix(oid, prefix []uint32) bool {
	return len(oid) >= len(prefix) && slices.Equal(oid[:len(prefix)], prefix)
}

// isV2c reports whether a datagram starts like an SNMPv2c message:
// SEQUENCE, a definite length, INTEGER version 1.
func isV2c(b []byte) bool {
	if len(b) < 5 || b[0] != 0x30 {
		return false
	}
	i := 2
	if b[1]&0x80 != 0 {
		i += int(b[1] & 0x7f)
	}
	return len(b) >= i+3 && b[i] == 0x02 && b[i+1] == 0x01 && b[i+2] == 0x01
}

// answer returns the response to one request datagram, or nil when the
// request gets none: malformed, not v2c, another community, or not a
// request. It never panics.
func answer(m *mib, community string, req []byte) (resp []byte) {
	defer func() {
		if recover() != nil { // gosnmp's decoder is not ours: a panic in it drops the datagram
			resp = nil
		}
	}()
	if len(req) > maxRequest || !isV2c(req) {
		return nil
	}
	dec := gosnmp.GoSNMP{Version: gosnmp.Version2c}
	pkt, err := dec.SnmpDecodePacket(req)
	if err != nil || pkt.Version != gosnmp.Version2c || subtle.ConstantTimeCompare([]byte(pkt.Community), []byte(community)) != 1 {
		return nil
	}
	out := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: pkt.Community, PDUType: gosnmp.GetResponse, RequestID: pkt.RequestID}
	oids := make([][]uint32, len(pkt.Variables))
	for i, v := range pkt.Variables {
		o, err := snmp.ParseOID(v.Name)
		if err != nil || len(o) == 0 {
			return fail(out, gosnmp.GenErr, i, pkt.Variables)
		}
		oids[i] = o
	}
	if len(oids) > maxVarbinds {
		return fail(out, gosnmp.TooBig, 0, nil)
	}
	switch pkt.PDUType {
	case gosnmp.GetRequest:
		for i, v := range pkt.Variables {
			out.Variables = append(out.Variables, m.get(v.Name, oids[i]))
		}
	case gosnmp.GetNextRequest:
		for i, v := range pkt.Variables {
			pdu, _, _ := m.next(v.Name, oids[i])
			out.Variables = append(out.Variables, pdu)
		}
	case gosnmp.GetBulkRequest:
		return bulk(m, out, pkt, oids)
	case gosnmp.SetRequest:
		return fail(out, gosnmp.NotWritable, 0, pkt.Variables)
	default:
		return nil
	}
	b, err := out.MarshalMsg()
	if err != nil {
		return nil
	}
	if len(b) > maxResponse {
		return fail(out, gosnmp.TooBig, 0, nil)
	}
	return b
}

// bulk answers a GetBulk: the non-repeaters once, then up to
// max-repetitions rows of the others, dropping trailing rows to keep the
// response under maxResponse.
func bulk(m *mib, out, req *gosnmp.SnmpPacket, oids [][]uint32) []byte {
	nonRep := min(int(req.NonRepeaters), len(oids))
	for i := range nonRep {
		pdu, _, _ := m.next(req.Variables[i].Name, oids[i])
		out.Variables = append(out.Variables, pdu)
	}
	reps := oids[nonRep:]
	cur := slices.Clone(reps)
	names := make([]string, len(reps))
	for k := range reps {
		names[k] = req.Variables[nonRep+k].Name
	}
	rows := 0
	for r := 0; r < min(int(req.MaxRepetitions), maxRepetitions) && len(reps) > 0; r++ {
		if len(out.Variables)+len(reps) > maxVarbinds {
			break
		}
		ended := true
		for k := range cur {
			pdu, at, end := m.next(names[k], cur[k])
			if !end {
				ended, cur[k], names[k] = false, at, pdu.Name
			}
			out.Variables = append(out.Variables, pdu)
		}
		rows++
		if ended {
			break
		}
	}
	for {
		b, err := out.MarshalMsg()
		if err != nil {
			return nil
		}
		if len(b) <= maxResponse {
			return b
		}
		if rows <= 1 {
			return fail(out, gosnmp.TooBig, 0, nil)
		}
		rows -= max(1, rows/4)
		out.Variables = out.Variables[:nonRep+rows*len(reps)]
	}
}

// fail turns out into an error response for the variable at index i
// (0-based; the protocol counts from 1), echoing vars.
func fail(out *gosnmp.SnmpPacket, status gosnmp.SNMPError, i int, vars []gosnmp.SnmpPDU) []byte {
	out.Error, out.ErrorIndex = status, uint8(min(i+1, 255))
	if status == gosnmp.TooBig {
		out.ErrorIndex = 0
	}
	out.Variables = nil
	for _, v := range vars {
		out.Variables = append(out.Variables, gosnmp.SnmpPDU{Name: v.Name, Type: gosnmp.Null})
	}
	b, err := out.MarshalMsg()
	if err != nil || len(b) > maxResponse {
		return nil
	}
	return b
}

// agent serves one switch's table on one UDP socket.
type agent struct {
	conn      *net.UDPConn
	community string
	table     atomic.Pointer[mib]
	done      sync.WaitGroup
}

// listenAgent opens the agent's socket; serve answers on it.
func listenAgent(at netip.AddrPort, community string) (*agent, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(at))
	if err != nil {
		return nil, err
	}
	return &agent{conn: conn, community: community}, nil
}

// serve answers requests until the socket is closed.
func (a *agent) serve() {
	a.done.Add(1)
	go func() {
		defer a.done.Done()
		buf := make([]byte, 65536)
		for {
			n, from, err := a.conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			m := a.table.Load()
			if m == nil {
				continue
			}
			if resp := answer(m, a.community, buf[:n]); resp != nil {
				_, _ = a.conn.WriteToUDPAddrPort(resp, from)
			}
		}
	}()
}

// close stops the agent and waits for it.
func (a *agent) close() error {
	err := a.conn.Close()
	a.done.Wait()
	return err
}

func joinOID(o []uint32) string {
	var sb strings.Builder
	for i, v := range o {
		if i > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(strconv.FormatUint(uint64(v), 10))
	}
	return sb.String()
}
