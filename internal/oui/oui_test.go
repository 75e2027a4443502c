package oui

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestVendor(t *testing.T) {
	registry.once = sync.Once{}
	registry.path = filepath.Join(t.TempDir(), "absent.txt") // the table alone
	tests := []struct{ name, mac, want string }{
		{"VMware vNIC", "00:50:56:00:00:02", "VMware"},
		{"Cisco notation", "5254.00ab.cdef", "QEMU/KVM"},
		{"dashes, upper case", "00-25-B5-03-00-00", "Cisco UCS"},
		{"locally administered", "02:00:00:00:00:77", LocallyAdministered},
		{"unknown", "00:00:01:00:00:01", ""},
		{"not a MAC", "nope", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Vendor(tt.mac); got != tt.want {
				t.Errorf("Vendor(%q) = %q; want %q", tt.mac, got, tt.want)
			}
		})
	}
}

// TestVendorRegistry: the IEEE registry, when installed, answers first.
func TestVendorRegistry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oui.txt")
	body := "OUI/MA-L                                                    Organization\n" +
		"00-00-01   (hex)\t\tXEROX CORPORATION\n000001     (base 16)\t\tXEROX CORPORATION\n" +
		"00-50-56   (hex)\t\tVMware, Inc.\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	registry.once = sync.Once{}
	registry.path = path
	t.Cleanup(func() { registry.once, registry.path = sync.Once{}, "" })
	for mac, want := range map[string]string{"00:00:01:aa:bb:cc": "XEROX CORPORATION", "00:50:56:00:00:01": "VMware, Inc.", "52:54:00:00:00:01": "QEMU/KVM"} {
		if got := Vendor(mac); got != want {
			t.Errorf("Vendor(%q) = %q; want %q", mac, got, want)
		}
	}
}
