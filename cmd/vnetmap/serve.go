package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/api"
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
			q := query.New(st, c.Applications)
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
			// Every serve process may share the database with others: each
			// source is polled by the one holding its lease.
			comp.UseLeases(processName())
			comp.Start(ctx)
			defer comp.Stop()
			return serveHTTP(ctx, c.Listen, web.Handler(api.Handler(q, reg, logger)), logger, nil)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "API listen address (default from --config, else 127.0.0.1:8080)")
	return cmd
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
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	logger.Info("serving the web UI and the REST API", "ui", "http://"+ln.Addr().String()+"/", "api", "http://"+ln.Addr().String()+"/api/v1")
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
