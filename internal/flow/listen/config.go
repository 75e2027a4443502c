package listen

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"

	"github.com/vnetmap/vnetmap/internal/hostport"
)

// Configuration is the flow listener's configuration: where it listens and
// how it reads. Every address accepts every supported protocol (NetFlow v5,
// v9, IPFIX, sFlow v5): the decoder recognises the version of each datagram.
type Configuration struct {
	// Listen are the UDP addresses to listen on, "host:port" with an IP
	// literal or an empty host for every address (IPv4 and IPv6).
	Listen []string `yaml:"listen"`
	// Sockets is the number of sockets (and reader goroutines) per address,
	// sharing its port with SO_REUSEPORT; the kernel spreads exporters over
	// them by a hash of their address and port.
	Sockets int `yaml:"sockets"`
	// ReceiveBuffer is the receive buffer asked for each socket, in bytes
	// (SO_RCVBUFFORCE when the process may, else SO_RCVBUF, which the kernel
	// caps at net.core.rmem_max); 0 keeps the kernel's default.
	ReceiveBuffer int `yaml:"receive_buffer"`
	// BatchSize is how many datagrams one read may return (recvmmsg); 1 reads
	// one datagram per system call.
	BatchSize int `yaml:"batch_size"`
	// MaxDatagramSize is the largest datagram read whole; a larger one is
	// counted as truncated and not handled.
	MaxDatagramSize int `yaml:"max_datagram_size"`
	// Exporters, when not empty, are the only source addresses whose
	// datagrams are handled (prefixes; a single address is a /32 or /128);
	// the others are counted and dropped before decoding. An IPv4 exporter
	// is matched by an IPv4 prefix also when it reaches an IPv6 socket.
	Exporters []netip.Prefix `yaml:"exporters"`
}

// DefaultConfiguration returns the defaults: the usual NetFlow (2055), IPFIX
// (4739) and sFlow (6343) ports on every address, one socket per usable CPU,
// 8 MiB receive buffers, reads of up to 64 datagrams, datagrams up to 9216
// bytes (jumbo frames).
func DefaultConfiguration() Configuration {
	return Configuration{
		Listen:          []string{":2055", ":4739", ":6343"},
		Sockets:         runtime.GOMAXPROCS(0),
		ReceiveBuffer:   8 << 20,
		BatchSize:       64,
		MaxDatagramSize: 9216,
	}
}

// Limits of the configuration values.
const (
	MaxSockets       = 256
	MaxBatchSize     = 1024
	MaxReceiveBuffer = 1 << 30
	MinDatagramSize  = 512
	MaxDatagramSize  = 65535
	MaxExporters     = 4096
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("flow listener: invalid configuration")

// Validate checks the configuration and returns an error wrapping ErrConfig
// that names the first bad key.
func (c Configuration) Validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrConfig, key, fmt.Sprintf(format, args...))
	}
	if len(c.Listen) == 0 {
		return bad("listen", "at least one address is required")
	}
	seen := make(map[string]int, len(c.Listen))
	for i, a := range c.Listen {
		key := fmt.Sprintf("listen[%d]", i)
		host, port, err := hostport.Listen(a)
		if err != nil {
			return bad(key, "%v", err)
		}
		if host != "" {
			if _, err := netip.ParseAddr(host); err != nil {
				return bad(key, "%q: host must be an IP address or empty", a)
			}
		}
		if j, ok := seen[a]; ok && port != 0 {
			return bad(key, "%q is listen[%d] again", a, j)
		}
		seen[a] = i
	}
	if c.Sockets < 1 || c.Sockets > MaxSockets {
		return bad("sockets", "%d is not from 1 to %d", c.Sockets, MaxSockets)
	}
	if c.ReceiveBuffer < 0 || c.ReceiveBuffer > MaxReceiveBuffer {
		return bad("receive_buffer", "%d is not from 0 to %d bytes", c.ReceiveBuffer, MaxReceiveBuffer)
	}
	if c.BatchSize < 1 || c.BatchSize > MaxBatchSize {
		return bad("batch_size", "%d is not from 1 to %d", c.BatchSize, MaxBatchSize)
	}
	if c.MaxDatagramSize < MinDatagramSize || c.MaxDatagramSize > MaxDatagramSize {
		return bad("max_datagram_size", "%d is not from %d to %d bytes", c.MaxDatagramSize, MinDatagramSize, MaxDatagramSize)
	}
	if len(c.Exporters) > MaxExporters {
		return bad("exporters", "%d prefixes; at most %d", len(c.Exporters), MaxExporters)
	}
	for i, p := range c.Exporters {
		switch {
		case !p.IsValid():
			return bad(fmt.Sprintf("exporters[%d]", i), "not a prefix (address/length)")
		case p != p.Masked():
			// 10.1.2.3/8 is likely a mistake for 10.1.2.3/32.
			return bad(fmt.Sprintf("exporters[%d]", i), "%s has host bits set; write %s, or %s/%d for the address alone",
				p, p.Masked(), p.Addr(), p.Addr().BitLen())
		case p.Addr().Is4In6():
			return bad(fmt.Sprintf("exporters[%d]", i), "%s: write IPv4 prefixes in IPv4 form", p)
		}
	}
	return nil
}

// allowed tells whether a datagram from addr (unmapped) may be handled.
func (c Configuration) allowed(addr netip.Addr) bool {
	if len(c.Exporters) == 0 {
		return true
	}
	for _, p := range c.Exporters {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Workers is the number of reader goroutines (sockets) the configuration
// makes: the range of the worker numbers a Handler is called with.
func (c Configuration) Workers() int { return len(c.Listen) * c.Sockets }
