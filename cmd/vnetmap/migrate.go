package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/migrate"
	"github.com/vnetmap/vnetmap/internal/query"
)

// errUnsafe is the failure of migrate-check --to when the host is unsafe:
// exit code 1, after the verdict has been printed.
type errUnsafe struct{ vm, host string }

func (e errUnsafe) Error() string {
	return fmt.Sprintf("%s would lose its network on %s", e.vm, e.host)
}

func migrateCheckCmd(g *globals) *cobra.Command {
	var o migrate.Options
	var atFlag string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "migrate-check VM",
		Short: "Whether a VM keeps its network on a host before a vMotion; without --to, its safe and unsafe hosts",
		Long: `migrate-check says whether VM (a name, UUID, MAC or IP) keeps its network on a host: the
same port group there (a member of the distributed switch, or a standard port group of the
same name and VLAN), its VLANs allowed on the switch ports behind the active and standby
uplinks it would use (LAG members included), an MTU those ports let through, and teaming
that matches the switch (an LACP LAG or IP hash on one port-channel, other teaming on none).

With --to HOST it prints the verdict with its reasons and exits 0 when the host is safe, 1
when it is not. Without --to it lists the hosts of the VM's cluster (every host of its
datacenter with --datacenter), safe and unsafe, and exits 0. What the map does not know
(an uplink with no known switch port, a switch that did not report its VLANs) is a warning,
not a reason: see docs/migration.md.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			at, err := parseAt(atFlag)
			if err != nil {
				return err
			}
			st, conf, err := g.openQueryStore(c.Context(), false)
			if err != nil {
				return err
			}
			defer st.Close()
			gr, err := query.New(st, conf.Applications).Cache.At(c.Context(), at)
			if err != nil {
				return err
			}
			if _, _, err := gr.FindVM(args[0]); err != nil {
				return queryError(query.VMError(gr, args[0], err))
			}
			a, err := migrate.Check(gr, args[0], o)
			if err != nil {
				return queryError(err)
			}
			if asJSON {
				if err := printJSON(g.stdout, a); err != nil {
					return err
				}
			} else {
				printMigrateCheck(g.stdout, a)
			}
			if a.Verdict != nil && !a.Verdict.Safe {
				return errUnsafe{a.Verdict.VMName, a.Verdict.HostName}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.To, "to", "", "target host: print its verdict, exit 1 when unsafe")
	cmd.Flags().BoolVar(&o.Datacenter, "datacenter", false, "without --to: every host of the VM's datacenter, not only its cluster")
	cmd.Flags().StringVar(&atFlag, "at", "", atHelp)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the REST API's format)")
	return cmd
}

func printMigrateCheck(w io.Writer, a *migrate.Answer) {
	when := a.At.Local().Format(time.DateTime + " MST")
	if v := a.Verdict; v != nil {
		verdict := "SAFE"
		if !v.Safe {
			verdict = "UNSAFE"
		}
		current := ""
		if v.Current {
			current = " (where it runs now)"
		}
		fmt.Fprintf(w, "%s on %s%s: %s, as of %s\n", v.VMName, v.HostName, current, verdict, when)
		printReasons(w, "  ", v)
		return
	}
	h := a.Hosts
	fmt.Fprintf(w, "%s runs on %s", h.Name, orNone(h.HostName))
	if h.Cluster != "" {
		fmt.Fprintf(w, " (cluster %s)", h.Cluster)
	}
	fmt.Fprintf(w, ", as of %s: %d safe, %d unsafe host(s) of its %s\n", when, len(h.Safe), len(h.Unsafe), h.Scope)
	for _, section := range []struct {
		title string
		vs    []migrate.Verdict
	}{{"SAFE", h.Safe}, {"UNSAFE", h.Unsafe}} {
		if len(section.vs) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s\n", section.title)
		for _, v := range section.vs {
			current := ""
			if v.Current {
				current = "  (runs there now)"
			}
			fmt.Fprintf(w, "    %s%s\n", v.HostName, current)
			printReasons(w, "      ", &v)
		}
	}
}

func printReasons(w io.Writer, indent string, v *migrate.Verdict) {
	for _, r := range v.Reasons {
		fmt.Fprintf(w, "%s- %s  [%s]\n", indent, r.Message, r.Code)
	}
	for _, r := range v.Warnings {
		fmt.Fprintf(w, "%s! %s  [%s]\n", indent, r.Message, r.Code)
	}
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "no known host"
	}
	return s
}
