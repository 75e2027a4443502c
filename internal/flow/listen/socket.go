package listen

import (
	"encoding/binary"
	"errors"
	"net"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/cpu"
	"golang.org/x/sys/unix"
)

// oobSize is room for the one control message asked for: the SO_RXQ_OVFL
// drop counter (a uint32).
var oobSize = unix.CmsgSpace(4)

// errorLogInterval spaces the logs of a socket's read errors; the errors in
// between are counted and their number logged with the next one.
const errorLogInterval = 10 * time.Second

// socket is one socket of a listener, read by one goroutine, which alone
// writes its fields (the counters are also read by the metrics collector).
type socket struct {
	conn      *net.UDPConn
	worker    int
	batchSize int
	size      int // largest datagram read whole
	cfg       Configuration

	lastDrops  uint32 // the kernel's cumulative drop counter, as last read
	lastErrLog time.Time
	unlogged   int // errors not logged since lastErrLog

	stats stats
}

// stats are the counters of one socket, padded so that readers of
// neighbouring sockets do not share a cache line.
type stats struct {
	_         cpu.CacheLinePad
	datagrams atomic.Uint64
	bytes     atomic.Uint64
	drops     atomic.Uint64
	truncated atomic.Uint64
	errors    atomic.Uint64
	// disallowed are datagrams from outside Exporters.
	disallowed atomic.Uint64
	_          cpu.CacheLinePad
}

func newSocket(conn *net.UDPConn, worker int, cfg Configuration) *socket {
	return &socket{conn: conn, worker: worker, batchSize: cfg.BatchSize, size: cfg.MaxDatagramSize, cfg: cfg}
}

// read reads the socket until it is closed.
func (c *Component) read(s *socket) {
	if s.batchSize > 1 {
		c.readBatches(s)
		return
	}
	c.readOne(s)
}

// batchReader is what ipv4.PacketConn and ipv6.PacketConn have in common.
type batchReader interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
}

// readBatches reads up to batchSize datagrams per system call (recvmmsg).
func (c *Component) readBatches(s *socket) {
	var br batchReader = ipv4.NewPacketConn(s.conn)
	if s.conn.LocalAddr().(*net.UDPAddr).IP.To4() == nil {
		br = ipv6.NewPacketConn(s.conn)
	}
	msgs := make([]ipv4.Message, s.batchSize)
	bufs := make([]byte, s.batchSize*s.size)
	oobs := make([]byte, s.batchSize*oobSize)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{bufs[i*s.size : (i+1)*s.size : (i+1)*s.size]}
		msgs[i].OOB = oobs[i*oobSize : (i+1)*oobSize : (i+1)*oobSize]
	}
	for {
		n, err := br.ReadBatch(msgs, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			c.readError(s, err)
			continue
		}
		now := time.Now()
		var datagrams, bytes, truncated, disallowed uint64
		for i := range msgs[:n] {
			m := &msgs[i]
			s.controlMessages(m.OOB[:m.NN])
			if m.Flags&unix.MSG_TRUNC != 0 {
				truncated++
				continue
			}
			ua, ok := m.Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			from := unmap(ua.AddrPort())
			if !s.cfg.allowed(from.Addr()) {
				disallowed++
				continue
			}
			datagrams++
			bytes += uint64(m.N)
			c.handler.HandleDatagram(s.worker, from, m.Buffers[0][:m.N], now)
		}
		s.stats.datagrams.Add(datagrams)
		s.stats.bytes.Add(bytes)
		if truncated > 0 {
			s.stats.truncated.Add(truncated)
		}
		if disallowed > 0 {
			s.stats.disallowed.Add(disallowed)
		}
	}
}

// readOne reads one datagram per system call (recvmsg).
func (c *Component) readOne(s *socket) {
	buf := make([]byte, s.size)
	oob := make([]byte, oobSize)
	for {
		n, oobn, flags, from, err := s.conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			c.readError(s, err)
			continue
		}
		now := time.Now()
		s.controlMessages(oob[:oobn])
		if flags&unix.MSG_TRUNC != 0 {
			s.stats.truncated.Add(1)
			continue
		}
		from = unmap(from)
		if !s.cfg.allowed(from.Addr()) {
			s.stats.disallowed.Add(1)
			continue
		}
		s.stats.datagrams.Add(1)
		s.stats.bytes.Add(uint64(n))
		c.handler.HandleDatagram(s.worker, from, buf[:n], now)
	}
}

// readError counts a read error and logs it, at most once per
// errorLogInterval per socket. It pauses briefly so that an error that
// repeats does not spin the reader.
func (c *Component) readError(s *socket, err error) {
	s.stats.errors.Add(1)
	if now := time.Now(); now.Sub(s.lastErrLog) >= errorLogInterval {
		c.logger.Warn("flow listener read failed", "listener", s.conn.LocalAddr().String(), "worker", s.worker,
			"error", err, "errors_not_logged", s.unlogged)
		s.lastErrLog, s.unlogged = now, 0
	} else {
		s.unlogged++
	}
	time.Sleep(10 * time.Millisecond)
}

// controlMessages reads the control messages of one datagram: the kernel's
// count of datagrams this socket dropped since it was opened (SO_RXQ_OVFL),
// present once the count is not zero. The difference with the last count
// read is added to the drops.
func (s *socket) controlMessages(oob []byte) {
	hdr := unix.CmsgLen(0)
	for len(oob) >= hdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < hdr || l > len(oob) {
			return
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SO_RXQ_OVFL && l >= unix.CmsgLen(4) {
			v := binary.NativeEndian.Uint32(oob[hdr:])
			s.stats.drops.Add(uint64(v - s.lastDrops)) // uint32 arithmetic: the counter wraps
			s.lastDrops = v
		}
		next := unix.CmsgSpace(l - hdr)
		if next >= len(oob) {
			return
		}
		oob = oob[next:]
	}
}
