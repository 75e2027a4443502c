package model

import (
	"net"
	"strings"
)

// NormalizeMAC returns mac as lower-case colon-separated hex
// ("00:50:56:aa:bb:cc"), accepting the usual spellings (dashes, Cisco dots,
// no separators). It returns "" for anything that is not a 48-bit MAC.
func NormalizeMAC(mac string) string {
	s := strings.ToLower(strings.TrimSpace(mac))
	if len(s) == 12 && isHex(s) {
		s = s[0:2] + ":" + s[2:4] + ":" + s[4:6] + ":" + s[6:8] + ":" + s[8:10] + ":" + s[10:12]
	}
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return ""
	}
	return hw.String()
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
