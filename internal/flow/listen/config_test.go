package listen

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDefaultConfigurationValidates(t *testing.T) {
	c := DefaultConfiguration()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Workers(), 3*c.Sockets; got != want {
		t.Errorf("Workers() = %d; want %d", got, want)
	}
}

func TestConfigurationYAML(t *testing.T) {
	const doc = `
listen: ["0.0.0.0:2055", "[::1]:4739"]
sockets: 4
receive_buffer: 33554432
batch_size: 32
max_datagram_size: 1500
exporters: [10.20.255.0/24, "2001:db8::1/128"]
`
	c := DefaultConfiguration()
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	want := Configuration{Listen: []string{"0.0.0.0:2055", "[::1]:4739"}, Sockets: 4, ReceiveBuffer: 32 << 20,
		BatchSize: 32, MaxDatagramSize: 1500}
	if len(c.Exporters) != 2 || c.Exporters[0] != netip.MustParsePrefix("10.20.255.0/24") || c.Exporters[1] != netip.MustParsePrefix("2001:db8::1/128") {
		t.Errorf("exporters %v; want 10.20.255.0/24 and 2001:db8::1/128", c.Exporters)
	}
	if c.Sockets != want.Sockets || c.ReceiveBuffer != want.ReceiveBuffer || c.BatchSize != want.BatchSize ||
		c.MaxDatagramSize != want.MaxDatagramSize || strings.Join(c.Listen, ",") != strings.Join(want.Listen, ",") {
		t.Errorf("decoded %+v; want %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestValidateNamesKey(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Configuration)
		key    string
	}{
		{"no address", func(c *Configuration) { c.Listen = nil }, "listen:"},
		{"no port", func(c *Configuration) { c.Listen = []string{":2055", "127.0.0.1"} }, "listen[1]:"},
		{"host name", func(c *Configuration) { c.Listen = []string{"collector.example:2055"} }, "listen[0]:"},
		{"port range", func(c *Configuration) { c.Listen = []string{":65536"} }, "listen[0]:"},
		{"port name", func(c *Configuration) { c.Listen = []string{":netflow"} }, "listen[0]:"},
		{"duplicate", func(c *Configuration) { c.Listen = []string{":2055", ":4739", ":2055"} }, "listen[2]:"},
		{"no socket", func(c *Configuration) { c.Sockets = 0 }, "sockets:"},
		{"too many sockets", func(c *Configuration) { c.Sockets = MaxSockets + 1 }, "sockets:"},
		{"negative buffer", func(c *Configuration) { c.ReceiveBuffer = -1 }, "receive_buffer:"},
		{"huge buffer", func(c *Configuration) { c.ReceiveBuffer = MaxReceiveBuffer + 1 }, "receive_buffer:"},
		{"no batch", func(c *Configuration) { c.BatchSize = 0 }, "batch_size:"},
		{"huge batch", func(c *Configuration) { c.BatchSize = MaxBatchSize + 1 }, "batch_size:"},
		{"small datagrams", func(c *Configuration) { c.MaxDatagramSize = 100 }, "max_datagram_size:"},
		{"huge datagrams", func(c *Configuration) { c.MaxDatagramSize = 70000 }, "max_datagram_size:"},
		{"exporter not a prefix", func(c *Configuration) { c.Exporters = []netip.Prefix{{}} }, "exporters[0]:"},
		{"exporter host bits", func(c *Configuration) {
			c.Exporters = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("10.1.2.3/8")}
		}, "exporters[1]: 10.1.2.3/8 has host bits set; write 10.0.0.0/8, or 10.1.2.3/32"},
		{"exporter mapped", func(c *Configuration) { c.Exporters = []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")} }, "exporters[0]:"},
		{"too many exporters", func(c *Configuration) { c.Exporters = make([]netip.Prefix, MaxExporters+1) }, "exporters:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfiguration()
			tc.change(&c)
			err := c.Validate()
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("got %v; want an error wrapping ErrConfig", err)
			}
			if !strings.Contains(err.Error(), ": "+tc.key) {
				t.Errorf("got %q; want it to name %q", err, tc.key)
			}
		})
	}
}
