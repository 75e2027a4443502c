package main

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/collect"
	"github.com/vnetmap/vnetmap/internal/config"
	"github.com/vnetmap/vnetmap/internal/source"
	"github.com/vnetmap/vnetmap/internal/source/inventory"
	"github.com/vnetmap/vnetmap/internal/source/snmp"
	"github.com/vnetmap/vnetmap/internal/source/vsphere"
	"github.com/vnetmap/vnetmap/internal/store"
)

// factories build a source from its configuration, by type name.
var factories = map[string]func(config.Source, *slog.Logger) (source.Source, error){
	config.TypeVSphere: func(s config.Source, l *slog.Logger) (source.Source, error) {
		return vsphere.New(*s.VSphere, l)
	},
	config.TypeSNMP: func(s config.Source, l *slog.Logger) (source.Source, error) {
		return snmp.New(*s.SNMP, l)
	},
	config.TypeInventory: func(s config.Source, _ *slog.Logger) (source.Source, error) {
		return inventory.New(*s.Inventory)
	},
}

// newCollector builds the collection component for every configured source.
func newCollector(c config.Configuration, st store.Store, logger *slog.Logger, reg prometheus.Registerer, onChange func()) (*collect.Component, error) {
	comp := collect.New(st, logger.With("component", "collect"), reg, onChange)
	for _, s := range c.Sources {
		f, ok := factories[s.Type]
		if !ok {
			return nil, fmt.Errorf("source %s: unknown type %q", s.Name, s.Type)
		}
		src, err := f(s, logger.With("source", s.Name))
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", s.Name, err)
		}
		comp.Add(src, s.Interval)
	}
	return comp, nil
}

// processName names this process among the vnetmap processes sharing one
// database, as the holder of the leases on the sources it polls: host name,
// process ID and a random suffix (a restarted process is a new holder).
func processName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:6])
}
