package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/store"
)

// softflowdCapture is the real softflowd NetFlow v9 export of the traffic
// that internal/flow/testdata/make-fixtures.sh sends from 10.214.0.1
// (02:00:00:d6:00:01) to 10.214.0.2 (02:00:00:d6:00:02).
const softflowdCapture = "../../internal/flow/testdata/nf9.pcap"

// TestImportAttributesACapture: `vnetmap import` of a real softflowd
// capture, into a store whose inventory has two VMs with the capture's
// addresses, attributes every record to them: the dependency map's VM to VM
// traffic is every byte and packet that `vnetmap decode` reads from the
// same file, and nothing is unattributed.
func TestImportAttributesACapture(t *testing.T) {
	// What the capture holds, by vnetmap decode.
	code, out, errOut := vnetmap(t, "decode", softflowdCapture)
	if code != 0 {
		t.Fatalf("decode: exit %d: %s", code, errOut)
	}
	var wantBytes, wantPackets uint64
	var first, last time.Time
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec struct {
			Kind           string
			Time           time.Time
			Bytes, Packets uint64
			Src, Dst       string
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("decode line %q: %v", l, err)
		}
		if rec.Kind != "netflow9" {
			continue
		}
		wantBytes += rec.Bytes
		wantPackets += rec.Packets
		if first.IsZero() || rec.Time.Before(first) {
			first = rec.Time
		}
		last = rec.Time
	}
	if wantBytes == 0 {
		t.Fatalf("no NetFlow v9 records decoded from %s", softflowdCapture)
	}

	// The inventory: two VMs with the capture's MACs and addresses, known
	// since an hour before the capture.
	db := "sqlite:" + filepath.Join(t.TempDir(), "v.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	snap := model.Snapshot{Source: "inv", Taken: first.Add(-time.Hour)}
	for i, vm := range []struct{ name, mac, ip string }{
		{"vm-a", "02:00:00:d6:00:01", "10.214.0.1"},
		{"vm-b", "02:00:00:d6:00:02", "10.214.0.2"},
	} {
		id := model.NewID(model.KindVM, vm.name)
		nic := model.NewID(model.KindVNIC, vm.name, "4000")
		ip := model.NewID(model.KindIP, vm.ip)
		snap.Facts = append(snap.Facts,
			model.Entity(id, id, vm.name, model.Attrs{"attr.app": []string{"client", "server"}[i]}),
			model.Entity(id, nic, "Network adapter 1", model.Attrs{"mac": vm.mac}),
			model.Relation(id, id, model.RelHasVNIC, nic, nil),
			model.Entity(id, ip, vm.ip, model.Attrs{"family": "4"}),
			model.Relation(id, nic, model.RelHasIP, ip, nil),
		)
	}
	if _, err := st.Apply(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errOut = vnetmap(t, "--db", db, "import", "--json", softflowdCapture)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	var sum importSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Datagrams == 0 || sum.DecodeErrors != 0 {
		t.Errorf("import summary %+v; want datagrams and no decoding error", sum)
	}

	window := []string{"--from", first.Add(-time.Hour).Format(time.RFC3339), "--to", last.Add(time.Hour).Format(time.RFC3339)}
	code, out, errOut = vnetmap(t, append([]string{"--db", db, "flows", "deps", "--json"}, window...)...)
	if code != 0 {
		t.Fatalf("flows deps: exit %d: %s", code, errOut)
	}
	var deps query.DepsAnswer
	if err := json.Unmarshal([]byte(out), &deps); err != nil {
		t.Fatal(err)
	}
	if deps.Total.Bytes != wantBytes || deps.Total.Packets != wantPackets {
		t.Errorf("stored traffic %d bytes, %d packets; the capture decodes to %d bytes, %d packets", deps.Total.Bytes, deps.Total.Packets, wantBytes, wantPackets)
	}
	if deps.Attributed != deps.Total || len(deps.Unattributed) != 0 {
		t.Errorf("attributed %+v of %+v, unattributed %+v; want every record between the two VMs", deps.Attributed, deps.Total, deps.Unattributed)
	}
	apps := map[string]bool{}
	for _, e := range deps.Edges {
		apps[e.Src.Name+"→"+e.Dst.Name] = true
	}
	if !apps["client→server"] || !apps["server→client"] {
		t.Errorf("dependency edges %v; want client→server and server→client", apps)
	}

	// A file that is no capture is an error naming it; nothing is stored.
	bad := filepath.Join(t.TempDir(), "bad.pcap")
	if err := os.WriteFile(bad, bytes.Repeat([]byte{0xff}, 64), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := vnetmap(t, "--db", db, "import", bad); code != 1 || !strings.Contains(errOut, "bad.pcap") {
		t.Errorf("import of a non-capture: exit %d, %q; want 1 naming the file", code, errOut)
	}
}

// TestImportKeepsGoodRecords: `vnetmap import` of datagrams with a bad
// part stores their good records (cause 12): a NetFlow v5 datagram cut in
// its third record keeps two, a NetFlow v9 datagram with a bad template
// keeps the record of its good one.
func TestImportKeepsGoodRecords(t *testing.T) {
	v5 := netflow5([3]uint32{0x0ad60001, 0x0ad60002, 1000}, [3]uint32{0x0ad60002, 0x0ad60001, 2000}, [3]uint32{0x0ad60001, 0x0ad60003, 3000})
	p := writePcap(t, udpFrame(t, 2055, v5[:len(v5)-10]), udpFrame(t, 2055, v9PartlyBad(4000)))
	db := "sqlite:" + filepath.Join(t.TempDir(), "v.db")
	code, out, errOut := vnetmap(t, "--db", db, "import", "--json", p)
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	var sum importSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Datagrams != 2 || sum.DecodeErrors != 2 {
		t.Errorf("import summary %+v; want 2 datagrams, both with a bad part", sum)
	}
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	window := []string{"--from", at.Add(-24 * time.Hour).Format(time.RFC3339), "--to", at.Add(24 * time.Hour).Format(time.RFC3339)}
	code, out, errOut = vnetmap(t, append([]string{"--db", db, "flows", "deps", "--json"}, window...)...)
	if code != 0 {
		t.Fatalf("flows deps: exit %d: %s", code, errOut)
	}
	var deps query.DepsAnswer
	if err := json.Unmarshal([]byte(out), &deps); err != nil {
		t.Fatal(err)
	}
	if deps.Total.Bytes != 1000+2000+4000 {
		t.Errorf("stored %d bytes; want the good records' 7000", deps.Total.Bytes)
	}
}
