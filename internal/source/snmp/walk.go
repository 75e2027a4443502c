package snmp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gosnmp/gosnmp"
)

// Requests counts the SNMP requests a Collector sent, by PDU type. Retries
// of a request that timed out are counted in Retries only.
type Requests struct {
	Get, GetNext, GetBulk, Retries int64
}

// counters are the Collector's live request counts.
type counters struct {
	get, next, bulk, retries atomic.Int64
}

func (c *counters) snapshot() Requests {
	return Requests{Get: c.get.Load(), GetNext: c.next.Load(), GetBulk: c.bulk.Load(), Retries: c.retries.Load()}
}

// session is one device's SNMP connection.
type session struct {
	g       *gosnmp.GoSNMP
	addr    string
	cnt     *counters
	maxRows int
	maxRep  int
	next    bool // walk with GETNEXT
}

// dial opens a session to addr with cfg and the community or context given.
func dial(cfg Configuration, cr credentials, addr, community string, cnt *counters) (*session, error) {
	g := &gosnmp.GoSNMP{
		Target:         addr,
		Port:           cfg.Port,
		Transport:      "udp",
		Timeout:        cfg.Timeout,
		Retries:        cfg.Retries,
		MaxRepetitions: uint32(cfg.MaxRepetitions),
		MaxOids:        gosnmp.MaxOids,
		OnRetry:        func(*gosnmp.GoSNMP) { cnt.retries.Add(1) },
	}
	if cfg.Version == "2c" {
		g.Version = gosnmp.Version2c
		g.Community = community
	} else {
		g.Version = gosnmp.Version3
		g.SecurityModel = gosnmp.UserSecurityModel
		g.MsgFlags = gosnmp.AuthPriv
		g.SecurityParameters = &gosnmp.UsmSecurityParameters{
			UserName:                 cfg.Username,
			AuthenticationProtocol:   authProtocol(cfg.AuthProtocol),
			AuthenticationPassphrase: cr.authKey,
			PrivacyProtocol:          privProtocol(cfg.PrivProtocol),
			PrivacyPassphrase:        cr.privKey,
		}
		g.ContextName = community
	}
	if err := g.Connect(); err != nil {
		return nil, fmt.Errorf("%w: %s: connect: %w", ErrNoResponse, addr, err)
	}
	return &session{g: g, addr: addr, cnt: cnt, maxRows: cfg.MaxRows, maxRep: cfg.MaxRepetitions, next: cfg.GetNext}, nil
}

func authProtocol(s string) gosnmp.SnmpV3AuthProtocol {
	return map[string]gosnmp.SnmpV3AuthProtocol{
		"MD5": gosnmp.MD5, "SHA": gosnmp.SHA, "SHA224": gosnmp.SHA224, "SHA256": gosnmp.SHA256,
		"SHA384": gosnmp.SHA384, "SHA512": gosnmp.SHA512,
	}[s]
}

func privProtocol(s string) gosnmp.SnmpV3PrivProtocol {
	return map[string]gosnmp.SnmpV3PrivProtocol{
		"DES": gosnmp.DES, "AES": gosnmp.AES, "AES128": gosnmp.AES, "AES192": gosnmp.AES192, "AES256": gosnmp.AES256,
	}[s]
}

// close releases the socket.
func (s *session) close() {
	if s.g.Conn != nil {
		s.g.Conn.Close()
	}
}

// wrap classifies a transport error of a request about what.
func (s *session) wrap(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("snmp %s on %s: %w", what, s.addr, err)
	}
	if strings.Contains(err.Error(), "timeout") || strings.Contains(err.Error(), "request timeout") {
		return fmt.Errorf("%w: %s on %s after %s and %d retries", ErrNoResponse, what, s.addr, s.g.Timeout, s.g.Retries)
	}
	return fmt.Errorf("snmp %s on %s: %w", what, s.addr, err)
}

// get reads scalar OIDs. Missing ones (noSuchObject/Instance) are absent
// from the result.
func (s *session) get(what string, oids ...string) (map[string]gosnmp.SnmpPDU, error) {
	s.cnt.get.Add(1)
	pkt, err := s.g.Get(oids)
	if err != nil {
		return nil, s.wrap("get "+what, err)
	}
	if pkt.Error != gosnmp.NoError {
		return nil, fmt.Errorf("%w: get %s on %s: %s", ErrAgent, what, s.addr, pkt.Error)
	}
	out := make(map[string]gosnmp.SnmpPDU, len(pkt.Variables))
	for _, v := range pkt.Variables {
		switch v.Type {
		case gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView, gosnmp.Null:
			continue
		}
		out[strings.TrimPrefix(v.Name, ".")] = v
	}
	return out, nil
}

// walk reads every variable under root (dotted, no leading dot) in order,
// calling fn with each variable's OID suffix after root. It fails when an
// OID does not increase, when more than maxRows variables come, or when the
// agent errs; table names the walk in errors.
func (s *session) walk(ctx context.Context, table, root string, fn func(suffix []uint32, v gosnmp.SnmpPDU) error) error {
	prefix := "." + root + "."
	cur := "." + root
	rows := 0
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("snmp walk %s on %s: %w", table, s.addr, err)
		}
		var pkt *gosnmp.SnmpPacket
		var err error
		if s.next {
			s.cnt.next.Add(1)
			pkt, err = s.g.GetNext([]string{cur})
		} else {
			s.cnt.bulk.Add(1)
			pkt, err = s.g.GetBulk([]string{cur}, 0, uint32(s.maxRep))
		}
		if err != nil {
			return s.wrap("walk "+table, err)
		}
		if pkt.Error != gosnmp.NoError {
			if !s.next && pkt.Error != gosnmp.NoAccess && pkt.Error != gosnmp.AuthorizationError {
				s.next = true // an agent that errs on GETBULK: go on with GETNEXT
				continue
			}
			return fmt.Errorf("%w: walk %s on %s: %s at %s", ErrAgent, table, s.addr, pkt.Error, cur)
		}
		if len(pkt.Variables) == 0 {
			return nil
		}
		for _, v := range pkt.Variables {
			switch v.Type {
			case gosnmp.EndOfMibView, gosnmp.NoSuchObject, gosnmp.NoSuchInstance:
				return nil
			}
			if !strings.HasPrefix(v.Name, prefix) {
				return nil
			}
			if CompareOID(v.Name, cur) <= 0 {
				return fmt.Errorf("%w: walk %s on %s: %s after %s", ErrLoop, table, s.addr, v.Name, cur)
			}
			rows++
			if rows > s.maxRows {
				return fmt.Errorf("%w: walk %s on %s: more than %d rows", ErrTooLarge, table, s.addr, s.maxRows)
			}
			suffix, err := ParseOID(v.Name[len(prefix):])
			if err != nil {
				return fmt.Errorf("%w: walk %s on %s: %w", ErrBadValue, table, s.addr, err)
			}
			if err := fn(suffix, v); err != nil {
				return fmt.Errorf("walk %s on %s: %w", table, s.addr, err)
			}
			cur = v.Name
		}
	}
}

// table is a walked conceptual table: row index (dotted) → column → value.
type table map[string]map[uint32]gosnmp.SnmpPDU

// table walks the entry OID of a table (…Entry, whose sub-identifiers are
// column.index) and groups the variables by row. cols, when given, keeps
// only those columns. A variable with no index (the column OID itself) is
// skipped. On an error part way it returns the rows read before with the
// error.
func (s *session) table(ctx context.Context, name, entry string, cols ...uint32) (table, error) {
	return s.tableStat(ctx, nil, name, entry, cols...)
}

// tableStat is table counting into st (which may be nil) the variables
// skipped because they have no index.
func (s *session) tableStat(ctx context.Context, st *tstat, name, entry string, cols ...uint32) (table, error) {
	t := table{}
	err := s.walk(ctx, name, entry, func(sfx []uint32, v gosnmp.SnmpPDU) error {
		if len(sfx) < 2 {
			st.skip("no index", strings.TrimPrefix(v.Name, "."))
			return nil
		}
		if len(cols) > 0 && !containsU(cols, sfx[0]) {
			return nil
		}
		idx := joinOID(sfx[1:])
		row := t[idx]
		if row == nil {
			row = map[uint32]gosnmp.SnmpPDU{}
			t[idx] = row
		}
		row[sfx[0]] = v
		return nil
	})
	return t, err
}

func containsU(list []uint32, v uint32) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func joinOID(c []uint32) string {
	var sb strings.Builder
	for i, v := range c {
		if i > 0 {
			sb.WriteByte('.')
		}
		fmt.Fprint(&sb, v)
	}
	return sb.String()
}

// Value helpers: a value of the wrong type yields ok=false, never a panic.

func octets(v gosnmp.SnmpPDU) ([]byte, bool) {
	switch b := v.Value.(type) {
	case []byte:
		return b, true
	case string:
		return []byte(b), true
	}
	return nil, false
}

func str(v gosnmp.SnmpPDU) (string, bool) {
	b, ok := octets(v)
	if !ok {
		return "", false
	}
	return Text(b), true
}

func integer(v gosnmp.SnmpPDU) (int64, bool) {
	switch v.Type {
	case gosnmp.Integer, gosnmp.Counter32, gosnmp.Gauge32, gosnmp.TimeTicks, gosnmp.Counter64, gosnmp.Uinteger32:
		return gosnmp.ToBigInt(v.Value).Int64(), true
	}
	return 0, false
}

// valueKind is what a column's values must decode as.
type valueKind int

const (
	text   valueKind = iota // an OCTET STRING
	number                  // an INTEGER, Counter, Gauge or TimeTicks
)

// checkTypes returns an error naming the table, row and column of the first
// value whose type is not the column's kind (rows in index order, so the
// error is the same from run to run).
func checkTypes(name, addr string, t table, want map[uint32]valueKind) error {
	for _, idx := range sortedIndexes(t) {
		for col, kind := range want {
			v, ok := t[idx][col]
			if !ok {
				continue
			}
			var good bool
			if kind == text {
				_, good = octets(v)
			} else {
				_, good = integer(v)
			}
			if !good {
				return fmt.Errorf("%w: %s on %s: column %d of row %s is %v", ErrBadValue, name, addr, col, idx, v.Type)
			}
		}
	}
	return nil
}

// dropBadTypes removes from t every value whose type is not its column's
// kind and counts each row that had one in st, once, with its first bad
// column (rows in index order, so the example is the same from run to run).
// A row left with no value is removed; the rest of the table stays usable.
func dropBadTypes(st *tstat, t table, want map[uint32]valueKind) {
	cols := sortedCols(want)
	for _, idx := range sortedIndexes(t) {
		row := t[idx]
		reason := ""
		for _, col := range cols {
			v, ok := row[col]
			if !ok {
				continue
			}
			var good bool
			if want[col] == text {
				_, good = octets(v)
			} else {
				_, good = integer(v)
			}
			if !good {
				delete(row, col)
				if reason == "" {
					reason = fmt.Sprintf("column %d is %v", col, v.Type)
				}
			}
		}
		switch {
		case reason == "":
		case len(row) == 0:
			delete(t, idx)
			st.skip(reason+", no other column", idx)
		default:
			st.skip(reason+", column left out", idx)
		}
	}
}

func sortedCols(m map[uint32]valueKind) []uint32 {
	out := make([]uint32, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// walkInts walks a column indexed by one number whose values are integers
// (dot1dBasePortIfIndex, dot1qPvid, vmVlan, dot3adAggPortAttachedAggID),
// counting each row into st. A row with another index shape, or whose value
// is not an integer, is skipped with its reason; use decides the others: it
// returns "" to keep the row, else the reason and the example of its skip.
// what names the index in examples ("bridge port", "VLAN 110 bridge port").
// The error is the walk's (what was read before it is used).
func (s *session) walkInts(ctx context.Context, st *tstat, table, oid, what string, use func(idx int, n int64) (reason, example string)) error {
	return s.walk(ctx, table, oid, func(sfx []uint32, v gosnmp.SnmpPDU) error {
		st.row(1)
		n, ok := integer(v)
		switch {
		case len(sfx) != 1:
			st.skip(whyIndex, what+" "+joinOID(sfx))
		case !ok:
			st.skip(whyNotInteger, fmt.Sprintf("%s %d is %v", what, sfx[0], v.Type))
		default:
			if reason, example := use(int(sfx[0]), n); reason != "" {
				st.skip(reason, example)
			} else {
				st.keep(1)
			}
		}
		return nil
	})
}
