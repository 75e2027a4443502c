package vsphere

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/vnetmap/vnetmap/internal/model"
)

// watcher runs Watch in the background and hands over what it emits.
type watcher struct {
	snaps chan model.Snapshot
	done  chan error
	stop  context.CancelFunc
}

func startWatch(t *testing.T, c *Collector) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{snaps: make(chan model.Snapshot, 64), done: make(chan error, 1), stop: cancel}
	go func() {
		w.done <- c.Watch(ctx, func(s model.Snapshot) error {
			w.snaps <- s
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-w.done
	})
	return w
}

// next returns the first snapshot scoped to id within d.
func (w *watcher) next(t *testing.T, id model.ID, d time.Duration) (model.Snapshot, bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case s := <-w.snaps:
			if slices.Contains(s.Scope, id) {
				return s, true
			}
		case err := <-w.done:
			t.Fatalf("Watch ended: %v", err)
		case <-deadline:
			return model.Snapshot{}, false
		}
	}
}

// ready waits until the watch reports changes: it changes the IP of vm
// until a snapshot for it arrives.
func (w *watcher) ready(t *testing.T, s *vcsim, vm *object.VirtualMachine, id model.ID) {
	t.Helper()
	for i := range 50 {
		s.setGuestIPs(vm.Reference(), fmt.Sprintf("192.0.2.%d", i+1))
		if _, ok := w.next(t, id, 200*time.Millisecond); ok {
			return
		}
	}
	t.Fatal("the watch reported no change in 10s")
}

func TestWatch(t *testing.T) {
	s := startSim(t, nil, "127.0.0.1:0")
	fx := decorate(t, s)
	c, _ := newCollector(t, testConfig(t, s))
	if _, err := c.Collect(context.Background()); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	w := startWatch(t, c)
	vmA := model.NewID(model.KindVM, fx.uuidA)
	vmB := model.NewID(model.KindVM, fx.uuidB)
	w.ready(t, s, fx.vmB, vmB)
	var migration model.Event // as the watch reported it

	t.Run("guest IP change", func(t *testing.T) {
		s.setGuestIPs(fx.vmB.Reference(), "198.51.100.7")
		snap, ok := w.next(t, vmB, 5*time.Second)
		if !ok {
			t.Fatal("no snapshot for the VM in 5s")
		}
		if _, ok := indexFacts(snap.Facts).entity("ip:198.51.100.7"); !ok {
			t.Errorf("got facts %v; want ip:198.51.100.7", snap.Facts)
		}
	})

	t.Run("vNIC moved to another port group", func(t *testing.T) {
		ctx := context.Background()
		devices, err := fx.vmB.Device(ctx)
		if err != nil {
			t.Fatal(err)
		}
		nics := devices.SelectByType((*types.VirtualEthernetCard)(nil))
		if len(nics) == 0 {
			t.Fatal("vmB has no vNIC")
		}
		card := nics[0].(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
		card.Backing = &types.VirtualEthernetCardDistributedVirtualPortBackingInfo{
			Port: types.DistributedVirtualSwitchPortConnection{SwitchUuid: fx.dvsUUID, PortgroupKey: fx.pgKeys["Trunk"]},
		}
		if err := fx.vmB.EditDevice(ctx, nics[0]); err != nil {
			t.Fatal(err)
		}
		want := model.NewID(model.KindPortgroup, fx.dvsUUID+"/"+fx.pgKeys["Trunk"])
		deadline := time.Now().Add(5 * time.Second)
		for {
			snap, ok := w.next(t, vmB, time.Until(deadline))
			if !ok {
				t.Fatalf("no snapshot attaching a vNIC of the VM to %s in 5s", want)
			}
			for _, f := range snap.Facts {
				if f.Rel == model.RelAttached && f.Object == want {
					return
				}
			}
		}
	})

	t.Run("live migration", func(t *testing.T) {
		var to string
		for _, h := range fx.hosts {
			if h != fx.hostA {
				to = h
				break
			}
		}
		host, err := finder(t, s.client(t)).HostSystem(context.Background(), to)
		if err != nil {
			t.Fatal(err)
		}
		ref := host.Reference()
		start := time.Now()
		task, err := fx.vmA.Relocate(context.Background(), types.VirtualMachineRelocateSpec{Host: &ref}, types.VirtualMachineMovePriorityDefaultPriority)
		if err != nil {
			t.Fatal(err)
		}
		if err := task.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		snap, ok := w.next(t, vmA, 5*time.Second)
		if !ok {
			t.Fatal("no snapshot for the migrated VM in 5s")
		}
		latency := time.Since(start)
		t.Logf("migration seen %v after the relocate call", latency)
		if !slices.Equal(snap.Scope, []model.ID{vmA}) || snap.Source != "vc1" {
			t.Errorf("got scope %v, source %q; want [%s], vc1", snap.Scope, snap.Source, vmA)
		}
		ix := indexFacts(snap.Facts)
		if _, ok := ix.relation(vmA, model.RelRunsOn, model.NewID(model.KindHost, to)); !ok {
			t.Errorf("got runs_on %v; want host:%s", related(snap.Facts, vmA, model.RelRunsOn), to)
		}
		if _, ok := ix.relation(vmA, model.RelRunsOn, model.NewID(model.KindHost, fx.hostA)); ok {
			t.Errorf("still runs_on the source host %s", fx.hostA)
		}
		for _, f := range snap.Facts {
			if f.Owner != vmA {
				t.Errorf("%s: got owner %s; want %s", f.Key(), f.Owner, vmA)
			}
		}
		if f, ok := ix.entity(vmA); !ok || f.Attrs["tags"] != "app/web" || f.Attrs["attr.owner"] != "team-net" {
			t.Errorf("got VM entity %v; want it with its tags and custom attributes", f)
		}
		var found bool
		for _, e := range snap.Events {
			if e.Type == "VmMigratedEvent" {
				found, migration = true, e
				if e.Subject != vmA || e.Source != "vc1" || e.Key == "" || e.Message == "" || e.User != testUser || e.Time.IsZero() {
					t.Errorf("got event %+v; want subject %s, source vc1, a key, a message, user %s, a time", e, vmA, testUser)
				}
			}
		}
		if !found {
			t.Errorf("got events %+v; want a VmMigratedEvent", snap.Events)
		}
	})

	t.Run("migration event in the next Collect", func(t *testing.T) {
		snap, err := c.Collect(context.Background())
		if err != nil {
			t.Fatalf("Collect: %v", err)
		}
		if !slices.Contains(snap.Events, migration) {
			t.Errorf("got events %+v; want %+v", snap.Events, migration)
		}
	})

	t.Run("vm removed", func(t *testing.T) {
		ctx := context.Background()
		task, err := fx.vmB.PowerOff(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_ = task.Wait(ctx)
		if task, err = fx.vmB.Destroy(ctx); err != nil {
			t.Fatal(err)
		}
		if err := task.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			snap, ok := w.next(t, vmB, time.Until(deadline))
			if !ok {
				t.Fatal("no empty snapshot for the removed VM in 5s")
			}
			if len(snap.Facts) == 0 {
				if !slices.Equal(snap.Scope, []model.ID{vmB}) {
					t.Errorf("got scope %v; want [%s]", snap.Scope, vmB)
				}
				return
			}
		}
	})

	t.Run("ends with its context", func(t *testing.T) {
		w.stop()
		select {
		case err := <-w.done:
			if err != nil {
				t.Errorf("got %v; want nil when the context ends", err)
			}
			w.done <- err // for the cleanup
		case <-time.After(5 * time.Second):
			t.Fatal("Watch did not return within 5s of its context ending")
		}
	})
}

// TestVCenterGoesAway stops the vCenter under a watch and a collection and
// starts another one at the same address: the errors name the URL, and the
// next Collect works again.
func TestVCenterGoesAway(t *testing.T) {
	s := startSim(t, nil, "127.0.0.1:0")
	cfg := testConfig(t, s)
	c, logs := newCollector(t, cfg)
	if _, err := c.Collect(context.Background()); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx, func(model.Snapshot) error { return nil }) }()
	time.Sleep(300 * time.Millisecond) // let the watch start polling

	s.stop()
	select {
	case err := <-done:
		checkErr(t, "Watch", err, ErrUnreachable, cfg.URL)
		t.Logf("Watch: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not fail within 10s of the vCenter going away")
	}
	_, err := c.Collect(context.Background())
	checkErr(t, "Collect while down", err, ErrUnreachable, cfg.URL)

	back := startSim(t, simulator.VPX(), s.addr)
	if back.url != cfg.URL {
		t.Fatalf("got the new simulator at %s; want %s", back.url, cfg.URL)
	}
	snap, err := c.Collect(context.Background())
	if err != nil {
		t.Fatalf("Collect after the vCenter came back: %v", err)
	}
	if _, ok := indexFacts(snap.Facts).entity("host:DC0_C0_H0"); !ok {
		t.Errorf("got %d facts without host:DC0_C0_H0; want the inventory", len(snap.Facts))
	}
	if containsSecret(logs.String()) {
		t.Errorf("the password appears in the logs")
	}
}

// TestWatchSeesMigrationBeforeItStarted: a VM moved between the last
// Collect and the start of Watch is reported by the watch's first update.
func TestWatchSeesMigrationBeforeItStarted(t *testing.T) {
	s := startSim(t, nil, "127.0.0.1:0")
	fx := decorate(t, s)
	c, _ := newCollector(t, testConfig(t, s))
	if _, err := c.Collect(context.Background()); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	var to string
	for _, h := range fx.hosts {
		if h != fx.hostA {
			to = h
			break
		}
	}
	host, err := finder(t, s.client(t)).HostSystem(context.Background(), to)
	if err != nil {
		t.Fatal(err)
	}
	ref := host.Reference()
	task, err := fx.vmA.Relocate(context.Background(), types.VirtualMachineRelocateSpec{Host: &ref}, types.VirtualMachineMovePriorityDefaultPriority)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	vmA := model.NewID(model.KindVM, fx.uuidA)
	w := startWatch(t, c)
	snap, ok := w.next(t, vmA, 5*time.Second)
	if !ok {
		t.Fatal("the watch did not report the VM moved before it started")
	}
	if _, ok := indexFacts(snap.Facts).relation(vmA, model.RelRunsOn, model.NewID(model.KindHost, to)); !ok {
		t.Errorf("got runs_on %v; want host:%s", related(snap.Facts, vmA, model.RelRunsOn), to)
	}
	vmB := model.NewID(model.KindVM, fx.uuidB)
	if _, ok := w.next(t, vmB, 500*time.Millisecond); ok {
		t.Errorf("the watch re-read %s, which did not change", vmB)
	}
}
