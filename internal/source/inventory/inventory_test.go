package inventory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	got, err := Parse(strings.NewReader("rack,host,pnic,switch,port\nR1,esx01,vmnic0,leaf1,Eth1/1\nR1, esx01 ,vmnic1,leaf2,Gi1/0/7\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Cable{{"esx01", "vmnic0", "leaf1", "Ethernet1/1"}, {"esx01", "vmnic1", "leaf2", "GigabitEthernet1/0/7"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse = %+v; want %+v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	for name, tt := range map[string]struct{ in, want string }{
		"empty file":      {"", "header"},
		"missing column":  {"host,pnic,switch\n", `no "port" column`},
		"empty cell":      {"host,pnic,switch,port\nesx01,,leaf1,Eth1/1\n", "line 2: pnic: empty"},
		"short row":       {"host,pnic,switch,port\nesx01,vmnic0\n", "line 2: switch: empty"},
		"slash in a name": {"host,pnic,switch,port\nesx/01,vmnic0,leaf1,Eth1/1\n", `line 2: host: "esx/01"`},
		"duplicate":       {"host,pnic,switch,port\nesx01,vmnic0,leaf1,Eth1/1\nesx01,vmnic0,leaf1,Eth1/2\n", "line 3: esx01/vmnic0 is already cabled on line 2"},
		"bad quoting":     {"host,pnic,switch,port\n\"esx01,vmnic0,leaf1,Eth1/1\n", "line"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v; want ErrFormat with %q", err, tt.want)
			}
		})
	}
}

func TestCollect(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cabling.csv")
	if err := os.WriteFile(p, []byte("host,pnic,switch,port\nesx01,vmnic0,leaf1,Eth1/1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := New(Configuration{Name: "dcim", File: p})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Facts) != 1 || snap.Facts[0].Subject != "pnic:esx01/vmnic0" || snap.Facts[0].Attrs["declared_port"] != "Ethernet1/1" || snap.Source != "dcim" {
		t.Errorf("snapshot = %+v", snap)
	}
	if _, err := (&Collector{cfg: Configuration{Name: "x", File: p + ".missing"}}).Collect(context.Background()); err == nil || !strings.Contains(err.Error(), "inventory x") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("host,pnic,switch,port\nesx01,vmnic0,leaf1,Eth1/1\n")
	f.Add("port,switch,pnic,host\n\"a\",b,c,d\n")
	f.Fuzz(func(t *testing.T, in string) {
		cables, err := Parse(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		for _, c := range cables {
			if c.Host == "" || c.PNIC == "" || c.Switch == "" || c.Port == "" {
				t.Fatalf("accepted an empty field: %+v", c)
			}
		}
	})
}
