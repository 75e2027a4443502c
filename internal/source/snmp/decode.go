package snmp

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The decoders below are pure: bytes or OID components in, values out, no
// I/O. Malformed input yields ok=false or an error naming the problem; it
// never panics (see the fuzz targets).

// PortList decodes a Q-BRIDGE-MIB PortList bitmap: the most significant bit
// of the first octet is bridge port 1. It returns the ports set, ascending.
func PortList(b []byte) []int {
	return bitmap(b, 1)
}

// VLANBitmap decodes a CISCO-VTP-MIB vlanTrunkPortVlansEnabled bitmap (or
// its 2k/3k/4k extensions): the most significant bit of the first octet is
// VLAN base (0 for the first table, 1024, 2048, 3072 for the others).
func VLANBitmap(b []byte, base int) []int {
	return bitmap(b, base)
}

func bitmap(b []byte, first int) []int {
	var out []int
	for i, octet := range b {
		for bit := 0; bit < 8; bit++ {
			if octet&(0x80>>bit) != 0 {
				out = append(out, first+i*8+bit)
			}
		}
	}
	return out
}

// Ranges formats ascending integers as ranges: 1,2,3,5 → "1-3,5".
func Ranges(ids []int) string {
	var sb strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if sb.Len() > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(ids[i]))
		if j > i {
			sb.WriteByte('-')
			sb.WriteString(strconv.Itoa(ids[j]))
		}
		i = j + 1
	}
	return sb.String()
}

// MAC formats a 6-octet MAC address lower-case with colons.
func MAC(b []byte) (string, bool) {
	if len(b) != 6 {
		return "", false
	}
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 17)
	for i, c := range b {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, digits[c>>4], digits[c&0xf])
	}
	return string(out), true
}

// Text returns an octet string as text when it is printable UTF-8 (trailing
// NULs dropped), else as lower-case hex octets separated by colons.
func Text(b []byte) string {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if utf8.Valid(b) && strings.IndexFunc(string(b), func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) < 0 {
		return string(b)
	}
	h := hex.EncodeToString(b)
	var sb strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(h[i : i+2])
	}
	return sb.String()
}

// ChassisID decodes an LLDP chassis ID by its LldpChassisIdSubtype: a MAC
// address (4) lower-case with colons, a network address (5) as an IP,
// anything else as Text.
func ChassisID(subtype int, b []byte) string {
	switch subtype {
	case 4:
		if m, ok := MAC(b); ok {
			return m
		}
	case 5:
		if a, ok := ianaAddress(b); ok {
			return a.String()
		}
	}
	return Text(b)
}

// PortID decodes an LLDP port ID by its LldpPortIdSubtype: a MAC address
// (3), a network address (4), anything else (interface name, alias, local)
// as Text.
func PortID(subtype int, b []byte) string {
	switch subtype {
	case 3:
		if m, ok := MAC(b); ok {
			return m
		}
	case 4:
		if a, ok := ianaAddress(b); ok {
			return a.String()
		}
	}
	return Text(b)
}

// ianaAddress decodes an address prefixed by its IANA address family octet
// (1 IPv4, 2 IPv6), as in LLDP network-address subtypes.
func ianaAddress(b []byte) (netip.Addr, bool) {
	if len(b) < 1 {
		return netip.Addr{}, false
	}
	switch b[0] {
	case 1:
		return InetAddress(1, b[1:])
	case 2:
		return InetAddress(2, b[1:])
	}
	return netip.Addr{}, false
}

// InetAddress decodes an INET-ADDRESS-MIB InetAddress by its InetAddressType
// (1 ipv4, 2 ipv6, 3 ipv4z, 4 ipv6z; the zone index is dropped). The LLDP
// lldpRemManAddrSubtype (an IANA address family) uses the same numbers for
// IPv4 and IPv6.
func InetAddress(typ int, b []byte) (netip.Addr, bool) {
	switch {
	case (typ == 1 && len(b) == 4) || (typ == 3 && len(b) == 8):
		return netip.AddrFrom4([4]byte(b[:4])), true
	case (typ == 2 && len(b) == 16) || (typ == 4 && len(b) == 20):
		return netip.AddrFrom16([16]byte(b[:16])), true
	}
	return netip.Addr{}, false
}

// ParseOID parses a dotted OID (a leading dot allowed) into its components.
func ParseOID(s string) ([]uint32, error) {
	s = strings.TrimPrefix(s, ".")
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ".")
	out := make([]uint32, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("oid %q: component %d: %w", s, i, err)
		}
		out[i] = uint32(n)
	}
	return out, nil
}

// CompareOID compares two dotted OIDs component by component, as an agent
// orders them: -1 when a comes first, 0 when equal, 1 when b comes first.
// A component that is not a number compares as its text after every number.
func CompareOID(a, b string) int {
	a, b = strings.TrimPrefix(a, "."), strings.TrimPrefix(b, ".")
	for a != "" && b != "" {
		var pa, pb string
		pa, a, _ = strings.Cut(a, ".")
		pb, b, _ = strings.Cut(b, ".")
		if pa == pb {
			continue
		}
		na, ea := strconv.ParseUint(pa, 10, 64)
		nb, eb := strconv.ParseUint(pb, 10, 64)
		switch {
		case ea == nil && eb == nil && na == nb: // "01" and "1"
			return strings.Compare(pa, pb)
		case ea == nil && eb == nil && na < nb:
			return -1
		case ea == nil && eb == nil:
			return 1
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		case pa < pb:
			return -1
		default:
			return 1
		}
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// ManAddrIndex decodes the index of an lldpRemManAddrTable row:
// timeMark.localPortNum.remIndex.addrSubtype.addrLen.addr… It returns the
// local port number, the remote index and the address.
func ManAddrIndex(idx []uint32) (localPort, remIndex int, addr netip.Addr, err error) {
	if len(idx) < 5 {
		return 0, 0, addr, fmt.Errorf("lldpRemManAddrTable index %v: %d components, want at least 5", idx, len(idx))
	}
	n := int(idx[4])
	if len(idx) != 5+n {
		return 0, 0, addr, fmt.Errorf("lldpRemManAddrTable index %v: address length %d, have %d octets", idx, n, len(idx)-5)
	}
	b := make([]byte, n)
	for i, v := range idx[5:] {
		if v > 255 {
			return 0, 0, addr, fmt.Errorf("lldpRemManAddrTable index %v: octet %d is %d", idx, i, v)
		}
		b[i] = byte(v)
	}
	a, ok := InetAddress(int(idx[3]), b)
	if !ok {
		return 0, 0, addr, fmt.Errorf("lldpRemManAddrTable index %v: address subtype %d with %d octets", idx, idx[3], n)
	}
	return int(idx[1]), int(idx[2]), a, nil
}

// RemIndex decodes the index of an lldpRemTable row,
// timeMark.localPortNum.remIndex, into the local port number and the remote
// index. Some agents leave one sub-identifier out (timeMark.localPortNum):
// the local port is still the second, and the remote index is 0. Any other
// shape yields ok=false.
func RemIndex(idx []uint32) (localPort, remIndex int, ok bool) {
	switch len(idx) {
	case 3:
		return int(idx[1]), int(idx[2]), true
	case 2:
		return int(idx[1]), 0, true
	}
	return 0, 0, false
}

// MACIndex decodes six OID components (a dot1dTpFdbAddress or the MAC part
// of a dot1qTpFdbTable index) into a MAC address.
func MACIndex(idx []uint32) (string, bool) {
	if len(idx) != 6 {
		return "", false
	}
	var b [6]byte
	for i, v := range idx {
		if v > 255 {
			return "", false
		}
		b[i] = byte(v)
	}
	return MAC(b[:])
}

// NetToPhysicalIndex decodes the index of an IP-MIB ipNetToPhysicalTable
// row: ifIndex.addressType.addressLength.address… (an InetAddressType and a
// length-prefixed InetAddress). It returns the interface and the address.
func NetToPhysicalIndex(idx []uint32) (ifIndex int, addr netip.Addr, err error) {
	if len(idx) < 3 {
		return 0, addr, fmt.Errorf("ipNetToPhysicalTable index %v: %d components, want at least 3", idx, len(idx))
	}
	n := idx[2]
	if uint64(len(idx)-3) != uint64(n) {
		return 0, addr, fmt.Errorf("ipNetToPhysicalTable index %v: address length %d, have %d octets", idx, n, len(idx)-3)
	}
	b, err := indexOctets("ipNetToPhysicalTable", idx, 3)
	if err != nil {
		return 0, addr, err
	}
	a, ok := InetAddress(int(idx[1]), b)
	if !ok {
		return 0, addr, fmt.Errorf("ipNetToPhysicalTable index %v: address type %d with %d octets", idx, idx[1], n)
	}
	return int(idx[0]), a, nil
}

// NetToMediaIndex decodes the index of an IP-MIB ipNetToMediaTable row:
// ifIndex.a.b.c.d (an IPv4 address). It returns the interface and the
// address.
func NetToMediaIndex(idx []uint32) (ifIndex int, addr netip.Addr, err error) {
	if len(idx) != 5 {
		return 0, addr, fmt.Errorf("ipNetToMediaTable index %v: %d components, want 5", idx, len(idx))
	}
	b, err := indexOctets("ipNetToMediaTable", idx, 1)
	if err != nil {
		return 0, addr, err
	}
	return int(idx[0]), netip.AddrFrom4([4]byte(b)), nil
}

// indexOctets returns the components of idx from first on as octets.
func indexOctets(table string, idx []uint32, first int) ([]byte, error) {
	b := make([]byte, len(idx)-first)
	for i, v := range idx[first:] {
		if v > 255 {
			return nil, fmt.Errorf("%s index %v: octet %d is %d", table, idx, i, v)
		}
		b[i] = byte(v)
	}
	return b, nil
}
