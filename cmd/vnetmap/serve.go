package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/api"
	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/migrate"
	"github.com/vnetmap/vnetmap/internal/query"
	"github.com/vnetmap/vnetmap/internal/web"
)

func serveCmd(g *globals) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Collect on schedule (with live changes) and serve the web UI, the REST API and /metrics",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, c, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if listen != "" {
				c.Listen = listen
			}
			logger := g.logger()
			reg := newRegistry()
			// Certificates first: a bad one stops serve before it polls.
			tlsConf, err := auth.ServerTLS(c.TLS, c.Listen, stateDir(c.DB), logger)
			if err != nil {
				return err
			}
			tokens := auth.NewTokens(st)
			access, err := auth.New(c.Auth, tokens, api.Policy, logger.With("component", "auth"), reg)
			if err != nil {
				return err
			}
			q := query.New(st, c.Applications, query.WithCache(c.Graph, reg))
			onChange, stopChecks, err := startChecks(ctx, c, q, logger, reg)
			if err != nil {
				return err
			}
			defer stopChecks()
			flows, err := startFlows(ctx, c, st, logger, reg)
			if err != nil {
				return err
			}
			// Stopped after the collector (defers run last first), so the
			// aggregates of the last minutes are written at shutdown.
			defer flows.Stop()
			checksChanged := onChange
			onChange = func() { checksChanged(); flows.Invalidate() }
			comp, err := newCollector(c, st, logger, reg, onChange)
			if err != nil {
				return err
			}
			comp.NotifyChanges(q.Cache.Changed)
			q.Collector = comp
			// Every serve process may share the database with others: each
			// source is polled by the one holding its lease.
			comp.UseLeases(processName())
			comp.Start(ctx)
			defer comp.Stop()
			apiHandler := api.Handler(q, reg, logger, api.WithTokens(tokens), api.WithCollector(comp), api.WithDRSApplier(drsApplier(c, logger)))
			return serveTLS(ctx, c.Listen, access.Wrap(web.Handler(apiHandler)), tlsConf, logger, nil)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "API listen address (default from --config, else 127.0.0.1:8080)")
	return cmd
}

// stateDir is where serve keeps its own files (the self-signed
// certificate): the directory of a SQLite database, else the working
// directory.
func stateDir(dsn string) string {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		path, _, _ = strings.Cut(path, "?")
		if path != "" && path != ":memory:" {
			return filepath.Dir(path)
		}
	}
	return "."
}

// drsApplier applies DRS rules for POST /api/v1/drs-rules/apply as
// drs-rules --apply does, one application at a time.
func drsApplier(c config.Configuration, logger *slog.Logger) api.DRSApplier {
	var mu sync.Mutex
	return func(ctx context.Context, source string, plan *migrate.DRSPlan) (any, error) {
		src, err := vsphereSource(c, source)
		if err != nil {
			// The CLI's message names its flags; the API's request has
			// a source field.
			msg := strings.NewReplacer("--source ", "source ", "--apply: ", "", " (give --config FILE)", "", "with --source", `with "source"`).Replace(err.Error())
			return nil, fmt.Errorf("%w: %s", api.ErrInvalidAction, msg)
		}
		mu.Lock()
		defer mu.Unlock()
		applied, err := applyDRSPlan(ctx, src, plan, logger)
		if errors.Is(err, errNoCluster) {
			return nil, fmt.Errorf("%w: %s", api.ErrInvalidAction, strings.TrimPrefix(err.Error(), "drs-rules: "))
		}
		if applied == nil {
			return nil, err
		}
		return applied, err
	}
}

// newRegistry returns a metrics registry with the Go and process collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// serveHTTP serves h on addr until ctx ends, then shuts down gracefully.
// ready, when not nil, is called with the bound address once listening.
func serveHTTP(ctx context.Context, addr string, h http.Handler, logger *slog.Logger, ready func(string)) error {
	return serveTLS(ctx, addr, h, nil, logger, ready)
}

// serveTLS is serveHTTP over TLS when tlsConf is not nil.
func serveTLS(ctx context.Context, addr string, h http.Handler, tlsConf *tls.Config, logger *slog.Logger, ready func(string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	scheme := "http"
	if tlsConf != nil {
		ln, scheme = tls.NewListener(ln, tlsConf), "https"
	}
	// The server's own messages (TLS handshakes refused, say) at debug:
	// every scanner would fill the log otherwise. They never hold a header.
	// A request (its body at most 1 MiB) must arrive within a minute; the
	// answer may take longer (a collection waited for).
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		TLSConfig: tlsConf, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelDebug)}
	logger.Info("serving the web UI and the REST API", "ui", scheme+"://"+ln.Addr().String()+"/", "api", scheme+"://"+ln.Addr().String()+"/api/v1")
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
