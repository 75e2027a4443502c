// Package oui names the vendor of a MAC address from its first three bytes
// (the IEEE Organizationally Unique Identifier).
//
// It knows a small table, written for vnetmap, of the prefixes a data
// center's virtual machines and network gear show most (hypervisors,
// switch and NIC vendors). When Debian's ieee-data package is installed,
// its full registry (/usr/share/ieee-data/oui.txt) is read once, on the
// first lookup, and answers first; without it the table is the fallback.
// The IEEE registry is not copied into the repository.
//
// It is not for validating MACs: model.NormalizeMAC does that.
package oui

import (
	"bufio"
	"os"
	"strings"
	"sync"

	"github.com/vnetmap/vnetmap/internal/model"
)

// RegistryFile is where Debian's ieee-data package installs the IEEE
// registry of OUIs.
const RegistryFile = "/usr/share/ieee-data/oui.txt"

// LocallyAdministered is the vendor of a MAC whose locally administered bit
// is set: no vendor assigned it (a hypervisor, a container, a VRRP or a
// randomized address).
const LocallyAdministered = "locally administered"

// common are the prefixes of the vendors a data center shows most.
var common = map[string]string{
	"00:50:56": "VMware", "00:0c:29": "VMware", "00:05:69": "VMware", "00:1c:14": "VMware",
	"52:54:00": "QEMU/KVM", "00:16:3e": "Xen", "00:15:5d": "Microsoft Hyper-V", "08:00:27": "Oracle VirtualBox",
	"00:1c:42": "Parallels", "bc:24:11": "Proxmox",
	"00:01:42": "Cisco", "00:1b:54": "Cisco", "00:25:b5": "Cisco UCS", "00:22:bd": "Cisco", "58:97:bd": "Cisco",
	"00:1c:73": "Arista", "28:99:3a": "Arista", "44:4c:a8": "Arista",
	"00:05:85": "Juniper", "2c:6b:f5": "Juniper", "88:e0:f3": "Juniper",
	"00:14:4f": "Oracle", "00:10:18": "Broadcom", "00:0a:f7": "Broadcom",
	"00:1b:21": "Intel", "3c:fd:fe": "Intel", "a0:36:9f": "Intel", "00:15:17": "Intel",
	"00:02:c9": "Mellanox", "24:8a:07": "Mellanox", "98:03:9b": "Mellanox", "ec:0d:9a": "Mellanox",
	"00:0e:1e": "QLogic", "00:90:fa": "Emulex",
	"18:66:da": "Dell", "24:6e:96": "Dell", "f8:bc:12": "Dell", "00:14:22": "Dell",
	"94:57:a5": "HPE", "9c:8e:99": "HPE", "3c:a8:2a": "HPE", "1c:98:ec": "HPE",
	"00:e0:ed": "Silicom", "00:00:5e": "IANA (VRRP)", "01:00:5e": "IANA multicast",
	"70:10:6f": "HPE", "00:19:b9": "Dell", "00:26:b9": "Dell",
	"00:1e:67": "Intel", "d4:ae:52": "Dell", "00:e0:4c": "Realtek", "b8:27:eb": "Raspberry Pi",
	"00:a0:98": "NetApp", "00:c0:dd": "QLogic", "e4:43:4b": "Dell",
	"5c:f3:fc": "IBM", "00:1a:64": "IBM", "40:f2:e9": "IBM",
	"00:23:e9": "F5", "00:01:d7": "F5", "00:09:0f": "Fortinet", "00:1b:17": "Palo Alto Networks",
	"02:42:ac": "Docker (local)",
}

var registry struct {
	once sync.Once
	path string
	m    map[string]string
}

// Vendor returns the vendor of mac (any notation model.NormalizeMAC reads):
// from the IEEE registry when it is installed, else the table; a locally
// administered address says LocallyAdministered; "" when unknown.
func Vendor(mac string) string {
	m := model.NormalizeMAC(mac)
	if len(m) < 8 {
		return ""
	}
	prefix := m[:8]
	registry.once.Do(func() {
		if registry.path == "" {
			registry.path = RegistryFile
		}
		registry.m = readRegistry(registry.path)
	})
	if v := registry.m[prefix]; v != "" {
		return v
	}
	if v := common[prefix]; v != "" {
		return v
	}
	if b := hexByte(m[:2]); b&0x02 != 0 {
		return LocallyAdministered
	}
	return ""
}

// readRegistry reads the IEEE registry's "XX-XX-XX   (hex)\t\tVendor"
// lines; a file it cannot open is an empty registry.
func readRegistry(path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		prefix, vendor, ok := strings.Cut(sc.Text(), "(hex)")
		prefix = strings.TrimSpace(prefix)
		if !ok || len(prefix) != 8 {
			continue
		}
		m[strings.ToLower(strings.ReplaceAll(prefix, "-", ":"))] = strings.TrimSpace(vendor)
	}
	return m
}

func hexByte(s string) byte {
	var b byte
	for _, c := range []byte(s) {
		b <<= 4
		switch {
		case c >= '0' && c <= '9':
			b |= c - '0'
		case c >= 'a' && c <= 'f':
			b |= c - 'a' + 10
		}
	}
	return b
}
