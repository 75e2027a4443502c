package config

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFlowsDefaults(t *testing.T) {
	f := DefaultConfiguration().Flows
	if !slices.Equal(f.Listen, []string{":2055", ":4739", ":6343"}) || f.Retention != 30*24*time.Hour || f.MaxKeysPerMinute < 1 {
		t.Errorf("default flows = %+v; want the three usual ports, 30 days, a key limit", f)
	}
	if err := f.Validate(); err != nil {
		t.Errorf("default flows do not validate: %v", err)
	}
}

func TestFlowsExample(t *testing.T) {
	c, err := Load("../../vnetmap.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Flows.Listen, []string{":2055", ":4739", ":6343"}) || c.Flows.Retention != 720*time.Hour || c.Flows.MaxKeysPerMinute != 100000 ||
		c.Flows.TemplateCacheMiB != 16 || c.Flows.Exporters != nil {
		t.Errorf("example flows = %+v", c.Flows)
	}
}

func TestFlowsDecode(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       Flows
		wantErr    string
	}{
		{name: "keys left out keep their defaults", yaml: "flows:\n  retention: 48h\n",
			want: Flows{Listen: []string{":2055", ":4739", ":6343"}, Retention: 48 * time.Hour, MaxKeysPerMinute: DefaultFlows().MaxKeysPerMinute,
				TemplateCacheMiB: 16}},
		{name: "every key", yaml: "flows:\n  listen: [\"127.0.0.1:9995\"]\n  retention: 2h\n  max_keys_per_minute: 10\n" +
			"  exporters: [10.20.255.0/24, 192.0.2.7/32]\n  template_cache_mib: 4\n",
			want: Flows{Listen: []string{"127.0.0.1:9995"}, Retention: 2 * time.Hour, MaxKeysPerMinute: 10, TemplateCacheMiB: 4,
				Exporters: []netip.Prefix{netip.MustParsePrefix("10.20.255.0/24"), netip.MustParsePrefix("192.0.2.7/32")}}},
		{name: "exporter without length", yaml: "flows:\n  exporters: [192.0.2.7]\n", wantErr: `"192.0.2.7"): no '/'`},
		{name: "exporter with host bits", yaml: "flows:\n  exporters: [10.0.0.0/8, 10.20.255.1/24]\n",
			wantErr: "flows.exporters[1]: 10.20.255.1/24 has host bits set; write 10.20.255.0/24, or 10.20.255.1/32 for the address alone"},
		{name: "template cache too small", yaml: "flows:\n  template_cache_mib: 0\n", wantErr: "flows.template_cache_mib: 0 is not from 1 to 65536"},
		{name: "short retention", yaml: "flows:\n  retention: 30m\n", wantErr: "flows.retention: 30m0s is shorter than 1h0m0s"},
		{name: "no listen address", yaml: "flows:\n  listen: []\n", wantErr: "flows.listen: at least one address"},
		{name: "bad listen address", yaml: "flows:\n  listen: [\"2055\"]\n", wantErr: "flows.listen[0]: \"2055\": not host:port"},
		{name: "listen port too large", yaml: "flows:\n  listen: [\"127.0.0.1:99999\"]\n", wantErr: `flows.listen[0]: "127.0.0.1:99999": port "99999" is not a number from 0 to 65535`},
		{name: "host name", yaml: "flows:\n  listen: [\"collector:2055\"]\n", wantErr: "flows.listen[0]: \"collector:2055\": host must be an IP"},
		{name: "duplicate address", yaml: "flows:\n  listen: [\":2055\", \":2055\"]\n", wantErr: "flows.listen[1]"},
		{name: "no keys", yaml: "flows:\n  max_keys_per_minute: 0\n", wantErr: "flows.max_keys_per_minute: 0 is less than 1"},
		{name: "unknown key", yaml: "flows:\n  retension: 1h\n", wantErr: "field retension not found"},
		{name: "bad duration", yaml: "flows:\n  retention: a month\n", wantErr: "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Decode(strings.NewReader(tt.yaml))
			if tt.wantErr != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want ErrInvalid with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Flows.Listen, tt.want.Listen) || c.Flows.Retention != tt.want.Retention || c.Flows.MaxKeysPerMinute != tt.want.MaxKeysPerMinute ||
				!slices.Equal(c.Flows.Exporters, tt.want.Exporters) || c.Flows.TemplateCacheMiB != tt.want.TemplateCacheMiB {
				t.Errorf("flows = %+v; want %+v", c.Flows, tt.want)
			}
		})
	}
}
