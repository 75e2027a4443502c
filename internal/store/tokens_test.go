package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestTokens: tokens are created, found by hash, listed without hashes,
// revoked once; a name in use is refused, a revoked token's name may be
// reused, and concurrent creations of one name leave exactly one.
func TestTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		st := openStore(t, b.dsn(t))
		ctx := context.Background()
		t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		ci := Token{Name: "ci", Role: "viewer", Hash: "aa01", Created: t0}
		ops := Token{Name: "ops", Role: "operator", Hash: "bb02", Created: t0.Add(time.Minute), Expires: t0.Add(90 * 24 * time.Hour)}
		for _, tok := range []Token{ci, ops} {
			if err := st.CreateToken(ctx, tok); err != nil {
				t.Fatalf("CreateToken(%s): %v", tok.Name, err)
			}
		}
		if err := st.CreateToken(ctx, Token{Name: "ci", Role: "admin", Hash: "cc03", Created: t0}); !errors.Is(err, ErrTokenExists) {
			t.Errorf("second token named ci: %v; want ErrTokenExists", err)
		}
		for _, bad := range []Token{{Role: "viewer", Hash: "x", Created: t0}, {Name: "n", Hash: "x", Created: t0}, {Name: "n", Role: "viewer", Created: t0}, {Name: "n", Role: "viewer", Hash: "x"}} {
			if err := st.CreateToken(ctx, bad); err == nil {
				t.Errorf("CreateToken(%+v) accepted; want an error", bad)
			}
		}

		got, err := st.TokenByHash(ctx, "bb02")
		if err != nil {
			t.Fatal(err)
		}
		if got != ops {
			t.Errorf("TokenByHash(bb02) = %+v; want %+v", got, ops)
		}
		if _, err := st.TokenByHash(ctx, "ffff"); !errors.Is(err, ErrNoToken) {
			t.Errorf("TokenByHash(unknown) error = %v; want ErrNoToken", err)
		}

		list, err := st.Tokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantList := []Token{ci, ops}
		wantList[0].Hash, wantList[1].Hash = "", ""
		if len(list) != 2 || list[0] != wantList[0] || list[1] != wantList[1] {
			t.Errorf("Tokens = %+v; want %+v (without hashes)", list, wantList)
		}

		revokedAt := t0.Add(time.Hour)
		if err := st.RevokeToken(ctx, "ci", revokedAt); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeToken(ctx, "ci", revokedAt); !errors.Is(err, ErrNoToken) {
			t.Errorf("second revocation: %v; want ErrNoToken", err)
		}
		if err := st.RevokeToken(ctx, "nobody", revokedAt); !errors.Is(err, ErrNoToken) {
			t.Errorf("revoking an unknown token: %v; want ErrNoToken", err)
		}
		if got, err := st.TokenByHash(ctx, "aa01"); err != nil || !got.Revoked.Equal(revokedAt) {
			t.Errorf("revoked token = %+v, %v; want revoked at %v", got, err, revokedAt)
		}
		// The name is free again; the revoked token stays listed.
		if err := st.CreateToken(ctx, Token{Name: "ci", Role: "viewer", Hash: "dd04", Created: t0.Add(2 * time.Hour)}); err != nil {
			t.Fatalf("reusing a revoked token's name: %v", err)
		}
		// Hashes are unique whatever the name.
		if err := st.CreateToken(ctx, Token{Name: "other", Role: "viewer", Hash: "dd04", Created: t0}); err == nil {
			t.Error("a second token with the same hash was accepted")
		}
		if list, _ = st.Tokens(ctx); len(list) != 3 || list[2].Name != "ci" || !list[0].Revoked.Equal(revokedAt) || !list[2].Revoked.IsZero() {
			t.Errorf("Tokens after reuse = %+v; want the revoked ci, ops, the new ci", list)
		}

		// Concurrent creations of one name: one wins.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = st.CreateToken(ctx, Token{Name: "race", Role: "viewer", Hash: "race" + string(rune('a'+i)), Created: t0})
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrTokenExists):
				t.Errorf("creation %d: %v; want nil or ErrTokenExists", i, err)
			}
		}
		if won != 1 {
			t.Errorf("%d concurrent creations of one name succeeded; want 1", won)
		}
	})
}

// TestAcks: an acknowledgement is stored, replaced by a later one of the
// same finding, and bad ones are refused.
func TestAcks(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		st := openStore(t, b.dsn(t))
		ctx := context.Background()
		t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		a1 := Ack{Finding: "vlan-not-carried:abc", By: "alice", At: t0, Comment: "known, change CHG-1"}
		a2 := Ack{Finding: "spof-host:def", By: "bob", At: t0.Add(time.Minute)}
		for _, a := range []Ack{a1, a2, {Finding: a1.Finding, By: "carol", At: t0.Add(time.Hour), Comment: "moved to CHG-2"}} {
			if err := st.AckFinding(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.Acks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []Ack{a2, {Finding: a1.Finding, By: "carol", At: t0.Add(time.Hour), Comment: "moved to CHG-2"}}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("Acks = %+v; want %+v", got, want)
		}
		long := make([]byte, MaxAckComment+1)
		for _, bad := range []Ack{{By: "x", At: t0}, {Finding: "f", At: t0}, {Finding: "f", By: "x"}, {Finding: "f", By: "x", At: t0, Comment: string(long)}} {
			if err := st.AckFinding(ctx, bad); err == nil {
				t.Errorf("AckFinding(%.40v) accepted; want an error", bad)
			}
		}
	})
}
