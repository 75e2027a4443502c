package api

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// readyTimeout bounds how long /readyz waits for the store and the map.
const readyTimeout = 5 * time.Second

// firstBuildTimeout bounds the first build of the map of now started by
// /readyz: it goes on after the probe gave up, so a large map gets built.
const firstBuildTimeout = 10 * time.Minute

// readiness remembers whether the map of now could be built once, and the
// build under way.
type readiness struct {
	mu       sync.Mutex
	built    bool
	building *build
}

type build struct {
	done chan struct{}
	err  error
}

// Readiness is the answer of /readyz.
type Readiness struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons,omitempty"`
}

// readyz answers 200 when the store answers and the map of now could be
// built (once), else 503 with the reasons. The reasons say what is wrong,
// not the errors themselves, which are logged.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	var reasons []string
	if _, err := s.q.Store.Sources(ctx); err != nil {
		s.logger.Warn("not ready: the store does not answer", "error", err)
		reasons = append(reasons, "store: does not answer (see the log)")
	} else if reason := s.firstMap(ctx); reason != "" {
		reasons = append(reasons, reason)
	}
	if len(reasons) > 0 {
		writeJSON(w, http.StatusServiceUnavailable, Readiness{Status: "not ready", Reasons: reasons})
		return
	}
	writeJSON(w, http.StatusOK, Readiness{Status: "ready"})
}

// firstMap returns "" once the map of now was built, else why not: it
// starts a build if none is under way and waits for it until ctx ends.
func (s *server) firstMap(ctx context.Context) string {
	s.ready.mu.Lock()
	if s.ready.built {
		s.ready.mu.Unlock()
		return ""
	}
	b := s.ready.building
	if b == nil {
		b = &build{done: make(chan struct{})}
		s.ready.building = b
		go func() {
			bctx, cancel := context.WithTimeout(context.Background(), firstBuildTimeout)
			defer cancel()
			_, b.err = s.q.Cache.At(bctx, time.Time{})
			s.ready.mu.Lock()
			s.ready.built = b.err == nil
			s.ready.building = nil
			s.ready.mu.Unlock()
			if b.err != nil {
				s.logger.Warn("not ready: the map of now cannot be built", "error", b.err)
			}
			close(b.done)
		}()
	}
	s.ready.mu.Unlock()
	select {
	case <-b.done:
		if b.err != nil {
			return "map: the map of now cannot be built (see the log)"
		}
		return ""
	case <-ctx.Done():
		return "map: the map of now is still being built"
	}
}
