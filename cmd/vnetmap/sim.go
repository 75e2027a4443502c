package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/sim"
)

func simCmd(g *globals) *cobra.Command {
	var (
		seed              int64
		vms, hosts        int
		listen, passwdOut string
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run only the simulated vCenter of the demo, for a vnetmap in another process to collect",
		Long: `sim starts the demo's simulated data center and serves its vSphere API until interrupted.
It writes the simulator's password to --password-file (mode 0600) and prints a configuration
snippet for a vsphere source; use it to measure collection apart from the simulator's own cost.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := sim.DefaultConfig()
			cfg.Seed, cfg.Listen = seed, listen
			if vms > 0 {
				cfg.VMs = vms
			}
			if hosts > 0 {
				cfg.Clusters, cfg.HostsPerCluster = clusterSplit(hosts)
			}
			start := time.Now()
			fmt.Fprintf(g.stderr, "sim: starting %d VMs on %d hosts…\n", cfg.VMs, cfg.Clusters*cfg.HostsPerCluster)
			dc, err := sim.Start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer dc.Close()
			if err := os.WriteFile(passwdOut, []byte(dc.Password()), 0o600); err != nil {
				return fmt.Errorf("sim: write password file: %w", err)
			}
			fmt.Fprintf(g.stderr, "sim: ready in %.1fs\n", time.Since(start).Seconds())
			fmt.Fprintf(g.stdout, "sources:\n  - name: sim\n    type: vsphere\n    vsphere:\n      url: %s\n      username: %s\n      password_file: %s\n      insecure: true\n",
				dc.URL(), dc.Username(), passwdOut)
			<-cmd.Context().Done()
			return nil
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the generated data center")
	cmd.Flags().IntVar(&vms, "vms", 0, "number of VMs (default: the demo's)")
	cmd.Flags().IntVar(&hosts, "hosts", 0, "number of hosts (default: the demo's)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "vSphere API listen address")
	cmd.Flags().StringVar(&passwdOut, "password-file", "vnetmap-sim.password", "where to write the simulator's password")
	return cmd
}
