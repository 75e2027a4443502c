// Package ifname normalizes switch interface names, so that the spellings a
// device uses in different tables and protocols (GigabitEthernet1/0/7 in
// ifName, Gi1/0/7 in CDP, Ethernet1/7 and Eth1/7, Port-Channel1 and Po1) name
// one port, and resolves any of them, or the ifIndex, to that port.
//
// It is not for vendor detection or for parsing the numbers of a name: the
// part after the type prefix is kept as the device wrote it.
package ifname

import (
	"strings"
	"unicode"
)

// prefixes maps the lower-cased type prefix of a name, long or abbreviated,
// to its canonical spelling (docs/facts.md "SNMP source").
var prefixes = map[string]string{
	"e": "Ethernet", "et": "Ethernet", "eth": "Ethernet", "ethernet": "Ethernet",
	"fa": "FastEthernet", "fastethernet": "FastEthernet",
	"gi": "GigabitEthernet", "gig": "GigabitEthernet", "gigabitethernet": "GigabitEthernet",
	"te": "TenGigabitEthernet", "ten": "TenGigabitEthernet", "tengigabitethernet": "TenGigabitEthernet", "tengige": "TenGigabitEthernet",
	"twe": "TwentyFiveGigE", "twentyfivegige": "TwentyFiveGigE", "twentyfivegigabitethernet": "TwentyFiveGigE",
	"fo": "FortyGigabitEthernet", "fortygige": "FortyGigabitEthernet", "fortygigabitethernet": "FortyGigabitEthernet",
	"hu": "HundredGigE", "hundredgige": "HundredGigE", "hundredgigabitethernet": "HundredGigE",
	"po": "Port-channel", "port-channel": "Port-channel", "portchannel": "Port-channel",
	"vl": "Vlan", "vlan": "Vlan",
	"lo": "Loopback", "loopback": "Loopback",
	"mgmt": "mgmt",
	"ma":   "Management", "management": "Management",
	"tu": "Tunnel", "tunnel": "Tunnel",
}

// Normalize returns the canonical spelling of an interface name: the type
// prefix in its long form (Gi1/0/7 → GigabitEthernet1/0/7, Eth1/7 and Et1/7
// → Ethernet1/7, Po101 and Port-Channel101 → Port-channel101), whatever its
// case and with the spaces between prefix and number removed. Juniper names
// (ge-0/0/7, xe-, et-, ae0) are kept, lower-cased. Any other name is
// returned trimmed of surrounding space. Normalize is idempotent.
func Normalize(name string) string {
	s := strings.TrimSpace(name)
	i := 0
	for i < len(s) && (isLetter(s[i]) || (s[i] == '-' && i > 0)) {
		i++
	}
	if i == 0 {
		return s
	}
	prefix := s[:i]
	rest := strings.TrimLeftFunc(s[i:], unicode.IsSpace)
	if rest == "" || rest[0] < '0' || rest[0] > '9' {
		return s
	}
	lower := strings.ToLower(prefix)
	if c, ok := prefixes[lower]; ok {
		return c + rest
	}
	if juniper(lower) && len(rest) == len(s)-i {
		return lower + rest
	}
	if lower == "ae" && len(rest) == len(s)-i {
		return lower + rest
	}
	return s
}

// juniper reports whether a lower-cased prefix is a Juniper media type
// followed by its dash (ge-, xe-, et-, fe-, mge-).
func juniper(prefix string) bool {
	t, ok := strings.CutSuffix(prefix, "-")
	return ok && len(t) >= 2 && len(t) <= 3 && !strings.Contains(t, "-")
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// Index resolves the names of one device's interfaces (ifName, ifDescr,
// their normalized forms, in any case) and its ifIndex values to one port.
// The zero value is empty and ready to use; an Index is not safe for
// concurrent writes.
type Index struct {
	name    map[int]string // ifIndex → canonical normalized name
	byName  map[string]int // folded ifName → ifIndex
	byDescr map[string]int // folded ifDescr → ifIndex
}

// fold is the lookup key of a name: normalized and lower-cased.
func fold(name string) string { return strings.ToLower(Normalize(name)) }

// Add records the port with the given ifIndex, its ifName and ifDescr
// (either may be empty). Its canonical name is the normalized ifName, or the
// normalized ifDescr when ifName is empty. A name already taken by another
// port stays with the port that took it first.
func (x *Index) Add(ifIndex int, ifName, ifDescr string) {
	if x.name == nil {
		x.name, x.byName, x.byDescr = map[int]string{}, map[string]int{}, map[string]int{}
	}
	canon := Normalize(ifName)
	if canon == "" {
		canon = Normalize(ifDescr)
	}
	x.name[ifIndex] = canon
	for _, p := range []struct {
		m map[string]int
		n string
	}{{x.byName, ifName}, {x.byDescr, ifDescr}} {
		if k := fold(p.n); k != "" {
			if _, taken := p.m[k]; !taken {
				p.m[k] = ifIndex
			}
		}
	}
}

// Lookup returns the ifIndex of the port a name designates, trying ifName
// then ifDescr, each normalized and folded to lower case.
func (x *Index) Lookup(name string) (int, bool) {
	k := fold(name)
	if i, ok := x.byName[k]; ok {
		return i, true
	}
	i, ok := x.byDescr[k]
	return i, ok
}

// Name returns the canonical normalized name of the port with that ifIndex.
func (x *Index) Name(ifIndex int) (string, bool) {
	n, ok := x.name[ifIndex]
	return n, ok
}

// Len returns the number of ports recorded.
func (x *Index) Len() int { return len(x.name) }
