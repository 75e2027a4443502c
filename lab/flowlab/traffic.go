package flowlab

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Flow is one direction of a flow, as exporters key it. For ICMP the
// destination port is the type and code (type<<8 | code), as NetFlow v5
// carries them and the decoder reads them from v9 and IPFIX.
type Flow struct {
	Src, Dst         netip.Addr
	Proto            uint8
	SrcPort, DstPort uint16
}

func (f Flow) String() string {
	return fmt.Sprintf("%s:%d > %s:%d proto %d", f.Src, f.SrcPort, f.Dst, f.DstPort, f.Proto)
}

// Sent is what one direction of a flow put on the wire, counted as flow
// exporters count: IP packets, and IP bytes (IP header and everything after
// it, no Ethernet header).
type Sent struct {
	Packets, Bytes uint64
}

// IP protocol numbers.
const (
	ICMP = 1
	TCP  = 6
	UDP  = 17
)

// ipv4Header is the IPv4 header length of the lab's packets (no options).
const ipv4Header = 20

// TCPConversation connects from:sport to to:dport, sends payload bytes,
// closes, and returns what each direction put on the wire, from the two
// sockets' kernel counters (TCP_INFO): segments sent (SYN, data, ACKs,
// FIN), and bytes = payload + the IP and TCP headers of those segments,
// whose options follow from what the connection negotiated (timestamps,
// SACK, window scaling; both ends are this kernel, so a SYN offers what
// the connection then uses). A retransmission or a segment received out of
// order (answered with SACK options) makes it fail: the bytes on the wire
// would then not be known exactly.
func (l *Lab) TCPConversation(ctx context.Context, from, to VM, sport, dport uint16, payload int) (map[Flow]Sent, error) {
	var ln *net.TCPListener
	err := l.Do(to.Name, func() (err error) {
		ln, err = net.ListenTCP("tcp4", net.TCPAddrFromAddrPort(netip.AddrPortFrom(to.Addr, dport)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flowlab: tcp listen in %s: %w", to.Name, err)
	}
	defer ln.Close()
	type accepted struct {
		conn *net.TCPConn
		n    int64
		err  error
	}
	srv := make(chan accepted, 1)
	go func() {
		c, err := ln.AcceptTCP()
		if err != nil {
			srv <- accepted{err: err}
			return
		}
		n, err := io.Copy(io.Discard, c) // up to the client's FIN
		if err == nil {
			err = c.CloseWrite()
		}
		srv <- accepted{c, n, err}
	}()

	var c *net.TCPConn
	err = l.Do(from.Name, func() error {
		d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(from.Addr, sport))}
		conn, err := d.DialContext(ctx, "tcp4", netip.AddrPortFrom(to.Addr, dport).String())
		if err == nil {
			c = conn.(*net.TCPConn)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flowlab: tcp from %s: %w", from.Name, err)
	}
	defer c.Close()
	if d, ok := ctx.Deadline(); ok {
		c.SetDeadline(d)
	}
	if _, err := c.Write(make([]byte, payload)); err != nil {
		return nil, fmt.Errorf("flowlab: tcp send: %w", err)
	}
	if err := c.CloseWrite(); err != nil {
		return nil, fmt.Errorf("flowlab: tcp close: %w", err)
	}
	var s accepted
	select {
	case s = <-srv:
	case <-ctx.Done():
		return nil, fmt.Errorf("flowlab: tcp: %w", ctx.Err())
	}
	if s.err != nil {
		return nil, fmt.Errorf("flowlab: tcp receive: %w", s.err)
	}
	defer s.conn.Close()
	if s.n != int64(payload) {
		return nil, fmt.Errorf("flowlab: tcp: received %d bytes; sent %d", s.n, payload)
	}
	// The server's FIN: reading it makes the client's kernel acknowledge it.
	if _, err := io.Copy(io.Discard, c); err != nil {
		return nil, fmt.Errorf("flowlab: tcp: waiting for the server's FIN: %w", err)
	}
	// The server is done once that acknowledgement arrived (LAST_ACK → CLOSE):
	// neither side sends anything after.
	var si, ci *unix.TCPInfo
	for {
		if si, err = tcpInfo(s.conn); err != nil {
			return nil, err
		}
		if si.State == tcpClose {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("flowlab: tcp: server in state %d, never closed: %w", si.State, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if ci, err = tcpInfo(c); err != nil {
		return nil, err
	}
	if ci.Total_retrans != 0 || si.Total_retrans != 0 {
		return nil, fmt.Errorf("flowlab: tcp: %d and %d retransmissions: the bytes on the wire are not known", ci.Total_retrans, si.Total_retrans)
	}
	if ci.Rcv_ooopack != 0 || si.Rcv_ooopack != 0 {
		return nil, fmt.Errorf("flowlab: tcp: %d and %d segments arrived out of order: the SACK option bytes are not known", ci.Rcv_ooopack, si.Rcv_ooopack)
	}
	fwd := Flow{from.Addr, to.Addr, TCP, sport, dport}
	rev := Flow{to.Addr, from.Addr, TCP, dport, sport}
	// The accepted socket's counters start after its SYN-ACK, which the
	// listener's request socket sent.
	return map[Flow]Sent{
		fwd: {uint64(ci.Segs_out), uint64(payload) + tcpHeaderBytes(ci, ci.Segs_out-1)},
		rev: {uint64(si.Segs_out) + 1, tcpHeaderBytes(si, si.Segs_out)},
	}, nil
}

func tcpInfo(c *net.TCPConn) (*unix.TCPInfo, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var info *unix.TCPInfo
	var serr error
	if err := raw.Control(func(fd uintptr) {
		info, serr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil {
		return nil, err
	}
	if serr != nil {
		return nil, fmt.Errorf("flowlab: TCP_INFO: %w", serr)
	}
	return info, nil
}

// TCP_INFO's state of a closed socket, and its tcpi_options bits
// (linux/tcp.h).
const (
	tcpClose          = 7
	tcpiOptTimestamps = 1
	tcpiOptSACK       = 2
	tcpiOptWScale     = 4
)

// tcpHeaderBytes is the IP and TCP header bytes of a connection's SYN (or
// SYN-ACK) and n more segments: the SYN with MSS, SACK-permitted,
// timestamps and window scale as Linux lays them out (tcp_options_write),
// the others 20 bytes plus 12 of timestamps. SACK blocks, sent only when
// segments arrive out of order, are not counted: TCPConversation checks
// that none did.
func tcpHeaderBytes(i *unix.TCPInfo, n uint32) uint64 {
	ts, sack, ws := i.Options&tcpiOptTimestamps != 0, i.Options&tcpiOptSACK != 0, i.Options&tcpiOptWScale != 0
	syn := uint64(4) // MSS
	switch {
	case ts:
		syn += 12 // SACK-permitted + timestamps, or NOP NOP timestamps
	case sack:
		syn += 4 // NOP NOP SACK-permitted
	}
	if ws {
		syn += 4 // NOP window scale
	}
	seg := uint64(0)
	if ts {
		seg = 12 // NOP NOP timestamps
	}
	return ipv4Header + 20 + syn + uint64(n)*(ipv4Header+20+seg)
}

// UDPDatagrams sends count datagrams of size payload bytes from from:sport
// to to:dport, checks that to received them, and returns what was sent.
func (l *Lab) UDPDatagrams(ctx context.Context, from, to VM, sport, dport uint16, count, size int) (map[Flow]Sent, error) {
	var rx, tx *net.UDPConn
	err := l.Do(to.Name, func() (err error) {
		rx, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(to.Addr, dport)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flowlab: udp listen in %s: %w", to.Name, err)
	}
	defer rx.Close()
	err = l.Do(from.Name, func() (err error) {
		tx, err = net.DialUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(from.Addr, sport)),
			net.UDPAddrFromAddrPort(netip.AddrPortFrom(to.Addr, dport)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("flowlab: udp from %s: %w", from.Name, err)
	}
	defer tx.Close()
	deadline := time.Now().Add(5 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	rx.SetReadDeadline(deadline)
	buf := make([]byte, size+1)
	for i := range count {
		if _, err := tx.Write(make([]byte, size)); err != nil {
			return nil, fmt.Errorf("flowlab: udp send: %w", err)
		}
		n, err := rx.Read(buf)
		if err != nil {
			return nil, fmt.Errorf("flowlab: udp: datagram %d not received: %w", i+1, err)
		}
		if n != size {
			return nil, fmt.Errorf("flowlab: udp: datagram %d: received %d bytes; sent %d", i+1, n, size)
		}
	}
	return map[Flow]Sent{
		{from.Addr, to.Addr, UDP, sport, dport}: {uint64(count), uint64(count) * uint64(ipv4Header+8+size)},
	}, nil
}

var pingSummary = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// Ping runs ping in from towards to (count echo requests of size payload
// bytes, 0.2 s apart) and returns what each direction put on the wire, the
// replies as ping counted them.
func (l *Lab) Ping(ctx context.Context, from, to VM, count, size int) (map[Flow]Sent, error) {
	out, err := l.Exec(ctx, from.Name, "ping", "-n", "-q", "-c", strconv.Itoa(count), "-s", strconv.Itoa(size),
		"-i", "0.2", "-W", "2", to.Addr.String())
	m := pingSummary.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("flowlab: ping from %s: no summary in %q: %v", from.Name, out, err)
	}
	sent, _ := strconv.ParseUint(string(m[1]), 10, 64)
	recv, _ := strconv.ParseUint(string(m[2]), 10, 64)
	per := uint64(ipv4Header + 8 + size)
	// The destination "port" of an ICMP flow is its type and code, as
	// NetFlow v5 carries them and the decoder reads them from v9 and IPFIX:
	// echo request (8, 0), echo reply (0, 0).
	return map[Flow]Sent{
		{from.Addr, to.Addr, ICMP, 0, 8 << 8}: {sent, sent * per},
		{to.Addr, from.Addr, ICMP, 0, 0}:      {recv, recv * per},
	}, nil
}
