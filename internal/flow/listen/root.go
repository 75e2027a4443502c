// Package listen receives flow datagrams (NetFlow v5/v9, IPFIX, sFlow) over
// UDP and hands each one to a Handler. Each configured address gets several
// sockets sharing its port (SO_REUSEPORT), each read by its own goroutine,
// in batches (recvmmsg) into large receive buffers; the datagrams the kernel
// dropped because a socket's queue was full are read back from the socket
// (SO_RXQ_OVFL) and counted with the received ones in Prometheus metrics.
//
// It is not for decoding, attributing or aggregating: the Handler, defined
// here and implemented by the flow pipeline, does that. The package reads
// with Linux socket options and does not build elsewhere.
package listen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"
)

// Handler receives datagrams. HandleDatagram is called concurrently from
// several goroutines, each with its own worker number in [0, Workers); b is
// only valid during the call.
type Handler interface {
	HandleDatagram(worker int, from netip.AddrPort, b []byte, received time.Time)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(worker int, from netip.AddrPort, b []byte, received time.Time)

// HandleDatagram calls f.
func (f HandlerFunc) HandleDatagram(worker int, from netip.AddrPort, b []byte, received time.Time) {
	f(worker, from, b, received)
}

// ErrStarted is returned by Start on a component already started.
var ErrStarted = errors.New("flow listener: already started")

// Component owns the sockets and their reader goroutines.
type Component struct {
	cfg     Configuration
	handler Handler
	logger  *slog.Logger

	mu        sync.Mutex // guards listeners and started (read by the metrics collector)
	started   bool
	listeners []*listener
	wg        sync.WaitGroup
}

// listener is one configured address and its sockets.
type listener struct {
	addr    netip.AddrPort // as bound (the port chosen by the kernel for port 0)
	label   string         // metrics label: addr as a string
	rcvbuf  int            // receive buffer read back from the first socket
	sockets []*socket
}

// New validates cfg and returns a component that will give the datagrams it
// receives to h. Its metrics are registered on reg (when not nil) now;
// sockets are opened by Start.
func New(cfg Configuration, h Handler, logger *slog.Logger, reg prometheus.Registerer) (*Component, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("flow listener: nil handler")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Component{cfg: cfg, handler: h, logger: logger}
	if reg != nil {
		if err := reg.Register(newCollector(c)); err != nil {
			return nil, fmt.Errorf("flow listener: register metrics: %w", err)
		}
	}
	return c, nil
}

// Workers is the number of reader goroutines, one per socket: the handler's
// worker numbers are in [0, Workers).
func (c *Component) Workers() int { return c.cfg.Workers() }

// Addrs returns the bound address of each configured address, in the
// configuration's order (the kernel's port for a port 0); nil before Start.
func (c *Component) Addrs() []netip.AddrPort {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []netip.AddrPort
	for _, l := range c.listeners {
		out = append(out, l.addr)
	}
	return out
}

// Start opens every socket and starts reading. When a socket cannot be
// opened, those already opened are closed and the error names the address.
func (c *Component) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return ErrStarted
	}
	var listeners []*listener
	worker := 0
	for _, address := range c.cfg.Listen {
		l, err := c.open(address, worker)
		listeners = append(listeners, l)
		if err != nil {
			closeAll(listeners)
			return err
		}
		worker += len(l.sockets)
	}
	c.listeners, c.started = listeners, true
	for _, l := range listeners {
		for _, s := range l.sockets {
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				c.read(s)
			}()
		}
		c.logger.Info("flow listener started", "listener", l.label, "sockets", len(l.sockets),
			"batch_size", c.cfg.BatchSize, "receive_buffer_asked", c.cfg.ReceiveBuffer, "receive_buffer_granted", l.rcvbuf)
	}
	return nil
}

// Stop closes the sockets and waits for their readers to return. Datagrams
// still queued in the sockets are lost. The counters keep their values; the
// component cannot be started again.
func (c *Component) Stop() {
	c.mu.Lock()
	listeners := c.listeners
	c.mu.Unlock()
	closeAll(listeners)
	c.wg.Wait()
}

func closeAll(listeners []*listener) {
	for _, l := range listeners {
		for _, s := range l.sockets {
			s.conn.Close()
		}
	}
}

// open binds the sockets of one address; their worker numbers start at
// worker. On error, the returned listener holds the sockets opened so far.
func (c *Component) open(address string, worker int) (*listener, error) {
	l := &listener{}
	for i := 0; i < c.cfg.Sockets; i++ {
		bind := address
		if i > 0 {
			// The first socket fixed the port (the kernel's, for port 0).
			host, _, _ := net.SplitHostPort(address)
			bind = net.JoinHostPort(host, strconv.Itoa(int(l.addr.Port())))
		}
		conn, forced, err := listenUDP(bind, c.cfg.ReceiveBuffer)
		if err != nil {
			return l, fmt.Errorf("flow listener %s: %w", address, err)
		}
		s := newSocket(conn, worker+i, c.cfg)
		l.sockets = append(l.sockets, s)
		if i > 0 {
			continue
		}
		l.addr = unmap(conn.LocalAddr().(*net.UDPAddr).AddrPort())
		l.label = l.addr.String()
		if l.rcvbuf, err = receiveBuffer(conn); err != nil {
			return l, fmt.Errorf("flow listener %s: %w", address, err)
		}
		c.logReceiveBuffer(l, forced)
	}
	return l, nil
}

// logReceiveBuffer warns, once per address, when the kernel granted a
// smaller receive buffer than asked (Start logs the size granted).
func (c *Component) logReceiveBuffer(l *listener, forced bool) {
	// The kernel doubles the size set (room for its bookkeeping) and reports
	// the doubled value.
	if c.cfg.ReceiveBuffer > 0 && l.rcvbuf/2 < c.cfg.ReceiveBuffer {
		c.logger.Warn("flow listener receive buffer smaller than asked; raise net.core.rmem_max or give vnetmap CAP_NET_ADMIN",
			"listener", l.label, "asked_bytes", c.cfg.ReceiveBuffer, "granted_bytes", l.rcvbuf, "forced", forced)
	}
}

// listenUDP opens a UDP socket on address with SO_REUSEPORT, SO_RXQ_OVFL and
// the receive buffer size (forced past net.core.rmem_max when the process
// may; forced says whether it was).
func listenUDP(address string, rcvbuf int) (conn *net.UDPConn, forced bool, err error) {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			forced, serr = setOptions(int(fd), rcvbuf)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp", address)
	if err != nil {
		return nil, false, err
	}
	return pc.(*net.UDPConn), forced, nil
}

func setOptions(fd, rcvbuf int) (forced bool, err error) {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return false, fmt.Errorf("SO_REUSEPORT: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1); err != nil {
		return false, fmt.Errorf("SO_RXQ_OVFL: %w", err)
	}
	if rcvbuf == 0 {
		return false, nil
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf) == nil {
		return true, nil
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf); err != nil {
		return false, fmt.Errorf("SO_RCVBUF %d: %w", rcvbuf, err)
	}
	return false, nil
}

// receiveBuffer reads back the socket's receive buffer size.
func receiveBuffer(conn *net.UDPConn) (int, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return 0, err
	}
	var size int
	var serr error
	if err := rc.Control(func(fd uintptr) {
		size, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
	}); err != nil {
		return 0, err
	}
	if serr != nil {
		return 0, fmt.Errorf("read back SO_RCVBUF: %w", serr)
	}
	return size, nil
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
