package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/query"
)

func flowsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "flows",
		Short: "Traffic from NetFlow/IPFIX/sFlow: application dependencies, top talkers, traffic per link and port-channel member",
		Long: `flows answers from the per-minute traffic aggregates the flow listener of serve stores.
The window is --since (default 1h) or --from/--to; times are RFC 3339, "2026-11-17 14:00",
or a duration ago such as "2h" or "1d".`,
	}
	cmd.AddCommand(flowsDepsCmd(g), flowsLinksCmd(g))
	return cmd
}

func flowsDepsCmd(g *globals) *cobra.Command {
	return windowCmd(g, &cobra.Command{
		Use:   "deps [APP|VM]",
		Short: "Who talks to whom: edges between applications (or, for a VM, between VMs), top talkers, unattributed traffic",
		Long: `deps shows the dependency map of the window: with no argument, traffic between the
applications of the whole estate (a VM without application stands for itself); for an
application (app:NAME forces it), its traffic with the others; for a VM (name, UUID, MAC or
IP), its traffic VM to VM. Traffic with a side that is no VM is counted by class (external,
unknown, known, overflow) with its top addresses: the totals account for every stored byte.`,
		Args: cobra.MaximumNArgs(1),
	}, func(ctx context.Context, q *query.Service, target string, from, to time.Time) (*query.DepsAnswer, error) {
		return q.FlowDeps(ctx, target, from, to)
	}, printDeps)
}

func flowsLinksCmd(g *globals) *cobra.Command {
	return windowCmd(g, &cobra.Command{
		Use:   "links [SWITCH|SWITCH/PORT-CHANNEL|SWITCH/PORT]",
		Short: "Traffic per physical link and per port-channel member, with each member's share (LACP imbalance)",
		Long: `links shows the traffic the switches exported per port and direction: ports in no
port-channel, and port-channels member by member with each member's share of the channel's
bytes. A member whose share is far from even is flagged (!), and so is its port-channel.
Members that carried nothing in the window are listed too; what a switch exported on the
port-channel interface itself is shown apart and left out of the shares.
Where switches send sFlow counter samples, each port also shows what its interface counters
say over the window: the rate in and out (and its share of the port's speed), errors and
discards (counts and per second), and DOWN when the port was down at its latest sample; a
port-channel its own counters, else its members' together. --json adds the busiest minute.`,
		Args: cobra.MaximumNArgs(1),
	}, func(ctx context.Context, q *query.Service, target string, from, to time.Time) (*query.LinkAnswer, error) {
		return q.LinkTraffic(ctx, target, from, to)
	}, printLinks)
}

// windowCmd completes a flows command: it reads the window flags, opens the
// store, asks and prints the answer as JSON (--json, the REST API's
// format) or for a person.
func windowCmd[T any](g *globals, cmd *cobra.Command,
	ask func(ctx context.Context, q *query.Service, target string, from, to time.Time) (T, error),
	show func(io.Writer, T)) *cobra.Command {
	var since, fromFlag, toFlag string
	var asJSON bool
	cmd.RunE = func(c *cobra.Command, args []string) error {
		from, to, err := query.ParseWindow(since, fromFlag, toFlag, time.Now())
		if err != nil {
			return usageError{errors.New(strings.TrimPrefix(err.Error(), "query: "))}
		}
		target := ""
		if len(args) > 0 {
			target = args[0]
		}
		st, conf, err := g.openQueryStore(c.Context(), true)
		if err != nil {
			return err
		}
		defer st.Close()
		ans, err := ask(c.Context(), query.New(st, conf.Applications), target, from, to)
		if err != nil {
			return queryError(err)
		}
		if asJSON {
			return printJSON(g.stdout, ans)
		}
		show(g.stdout, ans)
		return nil
	}
	cmd.Flags().StringVar(&since, "since", "", `start of the window: a duration ago ("1h", "2d") or a moment (default 1h before --to)`)
	cmd.Flags().StringVar(&fromFlag, "from", "", "start of the window (a moment; not with --since)")
	cmd.Flags().StringVar(&toFlag, "to", "", "end of the window (default now)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the REST API's format)")
	return cmd
}

// windowText renders a window in local time.
func windowText(from, to time.Time) string {
	return from.Local().Format(time.DateTime) + " – " + to.Local().Format(time.DateTime+" MST")
}

func printDeps(w io.Writer, a *query.DepsAnswer) {
	what := "the whole estate"
	if a.Target != "" {
		what = fmt.Sprintf("%s (%s)", a.Target, a.TargetKind)
	}
	fmt.Fprintf(w, "traffic of %s, %s: %s, %s packets, %s flows; between VMs on both sides %s\n", what, windowText(a.From, a.To),
		byteText(a.Total.Bytes), count(a.Total.Packets), count(a.Total.Flows), percent(a.Attributed.Bytes, a.Total.Bytes))
	if len(a.Edges) > 0 {
		fmt.Fprintf(w, "\n%s DEPENDENCIES\n", strings.ToUpper(a.Level))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  SOURCE\tDESTINATION\tBYTES\tPACKETS\tFLOWS\tTOP PORTS")
		for _, e := range a.Edges {
			var ports []string
			for _, p := range e.TopPorts {
				ports = append(ports, protoPort(p.Proto, p.DstPort)+" "+byteText(p.Bytes))
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", nodeText(e.Src), nodeText(e.Dst), byteText(e.Bytes), count(e.Packets), count(e.Flows), strings.Join(ports, ", "))
		}
		tw.Flush()
		if a.EdgesOmitted > 0 {
			fmt.Fprintf(w, "  (%d smaller edges left out: %s)\n", a.EdgesOmitted, byteText(a.Omitted.Bytes))
		}
	}
	if len(a.TopTalkers) > 0 {
		fmt.Fprintln(w, "\nTOP TALKERS")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  ENDPOINT\tCLASS\tAPPLICATION\tSENT\tRECEIVED\tTOTAL")
		for _, t := range a.TopTalkers {
			name := t.Name
			if name == "" {
				name = t.Addr
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", orDash(name), t.Class, orDash(t.App), byteText(t.SentBytes), byteText(t.ReceivedBytes), byteText(t.Bytes))
		}
		tw.Flush()
	}
	if len(a.Unattributed) > 0 {
		fmt.Fprintln(w, "\nNOT BETWEEN VMS (by the less known side)")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CLASS\tBYTES\tPACKETS\tFLOWS\tTOP ADDRESSES")
		for _, u := range a.Unattributed {
			var addrs []string
			for _, x := range u.TopAddrs {
				addrs = append(addrs, orDash(x.Addr)+" "+byteText(x.Bytes))
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", u.Class, byteText(u.Bytes), count(u.Packets), count(u.Flows), strings.Join(addrs, ", "))
		}
		tw.Flush()
	}
}

// nodeText names a dependency node: an application, a VM, or a class.
func nodeText(n query.FlowNode) string {
	switch n.Kind {
	case query.LevelApplication:
		return n.Name
	case query.LevelVM:
		return "vm " + n.Name
	}
	return "(" + n.Kind + ")"
}

func printLinks(w io.Writer, a *query.LinkAnswer) {
	what := "every link"
	if a.Target != "" {
		what = a.Target
	}
	fmt.Fprintf(w, "traffic of %s, %s: in %s (%s packets), out %s (%s packets)\n", what, windowText(a.From, a.To),
		byteText(a.Total.InBytes), count(a.Total.InPackets), byteText(a.Total.OutBytes), count(a.Total.OutPackets))
	if len(a.Channels)+len(a.Ports) == 0 {
		fmt.Fprintln(w, "  no link traffic exported in the window")
		return
	}
	// The interface counters' columns, when some port has counters.
	withCounters := false
	for _, p := range a.Ports {
		withCounters = withCounters || p.Counters != nil
	}
	for _, c := range a.Channels {
		withCounters = withCounters || c.Counters != nil
	}
	util := func(u *query.PortUtilization) string {
		switch {
		case !withCounters:
			return ""
		case u == nil:
			return "-\t-\t-\t-\t"
		}
		return fmt.Sprintf("%s\t%s\t%s\t%s\t", rateText(u.InBps, u.InPercent, u.SpeedBps), rateText(u.OutBps, u.OutPercent, u.SpeedBps),
			eventText(u.InErrors+u.OutErrors, u.InErrorsPerSec+u.OutErrorsPerSec),
			eventText(u.InDiscards+u.OutDiscards, u.InDiscardsPerSec+u.OutDiscardsPerSec))
	}
	flags := func(u *query.PortUtilization, flag ...string) string {
		if u != nil && !u.OperUp {
			flag = append(flag, "DOWN")
		}
		return strings.TrimSpace(strings.Join(flag, " "))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "  LINK\tIN\tIN PACKETS\tOUT\tOUT PACKETS\tSHARE IN\tSHARE OUT\t"
	if withCounters {
		header += "RATE IN\tRATE OUT\tERRORS\tDISCARDS\t"
	}
	fmt.Fprintln(tw, header)
	for _, c := range a.Channels {
		flag := ""
		if c.Imbalanced {
			flag = "IMBALANCED"
		}
		sw := c.Switch
		if c.PeerSwitch != "" {
			sw += "+" + c.PeerSwitch // an MLAG (vPC) bundle
		}
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\t%s\t%s\t\t\t%s%s\n", sw, c.Name, byteText(c.InBytes), count(c.InPackets), byteText(c.OutBytes), count(c.OutPackets),
			util(c.Counters), flags(c.Counters, flag))
		if u := c.Unsplit; u != (query.LinkCounters{}) {
			fmt.Fprintf(tw, "    (the port-channel itself)\t%s\t%s\t%s\t%s\t\t\t%s\n", byteText(u.InBytes), count(u.InPackets), byteText(u.OutBytes), count(u.OutPackets),
				strings.Repeat("\t", strings.Count(util(nil), "\t")))
		}
		for _, m := range c.Members {
			flag := ""
			if m.Imbalanced {
				flag = "!"
			}
			name := m.Name
			if m.Switch != c.Switch || c.PeerSwitch != "" {
				name = m.Switch + " " + name
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\t%.0f%%\t%.0f%%\t%s%s\n", name, byteText(m.InBytes), count(m.InPackets), byteText(m.OutBytes), count(m.OutPackets),
				100*m.ShareIn, 100*m.ShareOut, util(m.Counters), flags(m.Counters, flag))
		}
	}
	for _, p := range a.Ports {
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\t%s\t%s\t\t\t%s%s\n", p.Switch, p.Name, byteText(p.InBytes), count(p.InPackets), byteText(p.OutBytes), count(p.OutPackets),
			util(p.Counters), flags(p.Counters))
	}
	tw.Flush()
}

// rateText renders a rate in bits per second in decimal units with its
// share of the speed ("15 Mb/s 1.5%"), without it when the speed is unknown.
func rateText(bps, pct float64, speed uint64) string {
	r := fmt.Sprintf("%.0f b/s", bps)
	for _, unit := range []string{"kb/s", "Mb/s", "Gb/s", "Tb/s"} {
		if bps < 1000 {
			break
		}
		bps /= 1000
		if bps < 10 {
			r = fmt.Sprintf("%.1f %s", bps, unit)
		} else {
			r = fmt.Sprintf("%.0f %s", bps, unit)
		}
	}
	if speed == 0 {
		return r
	}
	return fmt.Sprintf("%s %.1f%%", r, pct)
}

// eventText renders a count of errors or discards with its rate ("6,
// 0.05/s"), "0" when there were none.
func eventText(n uint64, perSec float64) string {
	if n == 0 {
		return "0"
	}
	return fmt.Sprintf("%s, %.2g/s", count(n), perSec)
}

// byteText renders a byte count in decimal units (1.5 kB, 12 MB).
func byteText(n uint64) string {
	if n < 1000 {
		return strconv.FormatUint(n, 10) + " B"
	}
	v := float64(n)
	for _, unit := range []string{"kB", "MB", "GB", "TB", "PB"} {
		v /= 1000
		if v < 1000 {
			if v < 10 {
				return fmt.Sprintf("%.1f %s", v, unit)
			}
			return fmt.Sprintf("%.0f %s", v, unit)
		}
	}
	return fmt.Sprintf("%.0f EB", v/1000)
}

// count renders a count with thousands separators.
func count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// percent renders part of whole as a percentage, "-" when whole is 0.
func percent(part, whole uint64) string {
	if whole == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(whole))
}

// protoPort renders a protocol and destination port ("tcp/443", "icmp").
func protoPort(proto uint8, port uint16) string {
	name := map[uint8]string{1: "icmp", 6: "tcp", 17: "udp", 47: "gre", 50: "esp", 58: "icmpv6", 132: "sctp"}[proto]
	if name == "" {
		name = "proto " + strconv.Itoa(int(proto))
	}
	if proto == 6 || proto == 17 || proto == 132 {
		return name + "/" + strconv.Itoa(int(port))
	}
	return name
}

// orDash is s, or "-" when empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printPathFlows renders the traffic of a path answer's window.
func printPathFlows(w io.Writer, f *query.PathFlows) {
	if f == nil {
		return
	}
	fmt.Fprintf(w, "traffic %s: A→B %s (%s packets), B→A %s (%s packets)", windowText(f.From, f.To),
		byteText(f.AToB.Bytes), count(f.AToB.Packets), byteText(f.BToA.Bytes), count(f.BToA.Packets))
	var ports []string
	for _, p := range f.TopPorts {
		ports = append(ports, protoPort(p.Proto, p.DstPort)+" "+byteText(p.Bytes))
	}
	if len(ports) > 0 {
		fmt.Fprintf(w, "; %s", strings.Join(ports, ", "))
	}
	fmt.Fprintln(w)
}
