// Package hostport checks the network addresses a configuration names: the
// "host:port" a server listens on and the port of a URL. It is the one
// place that says what a port is.
//
// It is not for resolving names or opening sockets.
package hostport

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// Error is a refused address; its message quotes the address and says what
// is wanted.
type Error struct {
	// Addr is the address as given.
	Addr string
	// Reason says what is wrong and what is wanted.
	Reason string
}

func (e *Error) Error() string { return strconv.Quote(e.Addr) + ": " + e.Reason }

// Listen splits addr, an address to listen on, "host:port": host is empty
// (every address), an IP address or a name; port is a number from 0 to
// 65535, 0 asking the system for a free port. A bad address is an *Error.
func Listen(addr string) (host string, port uint16, err error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, &Error{Addr: addr, Reason: "not host:port (" + reason(err) + ")"}
	}
	n, ok := number(p)
	if !ok || n > 65535 {
		return "", 0, &Error{Addr: addr, Reason: fmt.Sprintf("port %q is not a number from 0 to 65535", p)}
	}
	return host, uint16(n), nil
}

// URLPort checks the port of u, if it has one: a number from 1 to 65535.
// A bad port is an *Error naming the URL's host and port only (the rest of a
// URL may hold a token).
func URLPort(u *url.URL) error {
	p := u.Port()
	if p == "" {
		return nil
	}
	if n, ok := number(p); !ok || n < 1 || n > 65535 {
		return &Error{Addr: u.Host, Reason: fmt.Sprintf("port %q is not a number from 1 to 65535", p)}
	}
	return nil
}

// number reads decimal digits only (no sign), at most 5 of them.
func number(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// reason is the message of a net.SplitHostPort error without the address
// it repeats.
func reason(err error) string {
	if ae, ok := errors.AsType[*net.AddrError](err); ok {
		return ae.Err
	}
	return err.Error()
}
