package attribute

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/vnetmap/vnetmap/internal/correlate"
	"github.com/vnetmap/vnetmap/internal/model"
)

// Facts is what Load reads from the store; store.Store satisfies it.
type Facts interface {
	FactsAt(ctx context.Context, t time.Time) ([]model.Version, error)
	History(ctx context.Context, ids ...model.ID) ([]model.Version, error)
}

// historyKinds are the kinds whose whole history Load reads when their
// facts changed within the window: those a re-addressing or a MAC move
// goes through. Switches and ports are read at the window's ends only (their
// history holds every forwarding-table and ARP entry they ever had).
var historyKinds = map[model.Kind]bool{
	model.KindVM: true, model.KindVNIC: true, model.KindIP: true, model.KindPNIC: true, model.KindMAC: true,
}

// historyBatch is how many IDs one History call asks for.
const historyBatch = 500

// Load builds the index of the window [from, to] from st: the versions
// valid at both ends of the window and, for every VM, vNIC, IP, pNIC and
// MAC whose facts differ between the two ends, its versions within the
// window (so a VM re-addressed twice in the window is attributed right at
// every moment). An entity that appeared and disappeared within the window
// without any related fact valid at either end is not seen; neither is a
// switch address or ifIndex that changed and changed back within it.
func Load(ctx context.Context, st Facts, rules []correlate.AppRule, internal []netip.Prefix, from, to time.Time) (*Index, error) {
	if to.Before(from) {
		return nil, fmt.Errorf("attribute: load window from %v to %v: ends before it starts", from, to)
	}
	start, err := st.FactsAt(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("attribute: facts at %v: %w", from, err)
	}
	end, err := st.FactsAt(ctx, to)
	if err != nil {
		return nil, fmt.Errorf("attribute: facts at %v: %w", to, err)
	}
	key := func(v model.Version) string {
		return v.Source + "\x00" + v.Key() + "\x00" + strconv.FormatInt(v.From.UnixMicro(), 10)
	}
	inStart := make(map[string]bool, len(start))
	for _, v := range start {
		inStart[key(v)] = true
	}
	inEnd := make(map[string]bool, len(end))
	for _, v := range end {
		inEnd[key(v)] = true
	}
	changed := map[model.ID]bool{}
	note := func(v model.Version) {
		for _, id := range []model.ID{v.Subject, v.Object} {
			if historyKinds[id.Kind()] {
				changed[id] = true
			}
		}
	}
	for _, v := range start {
		if !inEnd[key(v)] {
			note(v)
		}
	}
	for _, v := range end {
		if !inStart[key(v)] {
			note(v)
		}
	}
	versions := append(start, end...)
	ids := make([]model.ID, 0, len(changed))
	for id := range changed {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		n := min(len(ids), historyBatch)
		hist, err := st.History(ctx, ids[:n]...)
		if err != nil {
			return nil, fmt.Errorf("attribute: history of %d entities: %w", n, err)
		}
		for _, v := range hist {
			if !v.From.After(to) && (v.To.IsZero() || v.To.After(from)) {
				versions = append(versions, v)
			}
		}
		ids = ids[n:]
	}
	ix := Build(versions, rules, internal)
	ix.From, ix.To = from, to
	return ix, nil
}
