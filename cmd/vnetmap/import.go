package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/vnetmap/vnetmap/internal/flow/pipeline"
)

// importSummary is what `vnetmap import` did.
type importSummary struct {
	File         string    `json:"file"`
	Packets      int       `json:"packets"`
	Datagrams    int       `json:"datagrams"`
	DecodeErrors int       `json:"decode_errors"`
	First        time.Time `json:"first,omitzero"`
	Last         time.Time `json:"last,omitzero"`
}

// maxImportErrors is how many decoding errors import prints; the rest are
// counted.
const maxImportErrors = 10

func importCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE.pcap",
		Short: "Ingest a capture's NetFlow v5/v9, IPFIX and sFlow datagrams into the store",
		Long: `import reads a pcap (or pcapng) file and runs every NetFlow, IPFIX and sFlow datagram in it
through the same path as the flow listener of serve: decoded, attributed to VMs, applications
and switch ports as of the capture's time, aggregated per minute and added to the store's flow
minutes (importing a capture twice counts it twice). A datagram that cannot be decoded is
reported with its packet number and skipped.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			logger := g.logger()
			if asJSON {
				logger = slog.New(slog.DiscardHandler)
			}
			pc := pipeline.DefaultConfiguration()
			pc.Workers = 1
			pc.Aggregate.MaxKeysPerMinute = c.Flows.MaxKeysPerMinute
			pc.Attribute.InternalNetworks = c.Flows.InternalNetworks
			pipe, err := pipeline.New(pc, st, c.Applications, st, logger, nil)
			if err != nil {
				return err
			}
			sum, err := importPcap(cmd.Context(), args[0], pipe, g.stderr, !asJSON && isTerminal(g.stderr))
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(g.stdout, sum)
			}
			fmt.Fprintf(g.stdout, "%s: %d packets, %d flow datagrams imported (%d with a part that could not be decoded; their good records kept), %s to %s\n",
				sum.File, sum.Packets, sum.Datagrams, sum.DecodeErrors, sum.First.Local().Format(time.DateTime), sum.Last.Local().Format(time.DateTime))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

// importPcap runs the flow datagrams of the capture through pipe: a first
// pass finds the capture's time span, whose facts attribution loads; the
// second imports; then the aggregates are written.
func importPcap(ctx context.Context, file string, pipe *pipeline.Component, errw io.Writer, progress bool) (importSummary, error) {
	sum := importSummary{File: file}
	scan := func(each func(n int, pkt gopacket.Packet, at time.Time) error) error {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		src, err := openPcap(f)
		if err != nil {
			return fmt.Errorf("import %s: %w", file, err)
		}
		for n := 1; n <= maxDecodePackets; n++ {
			data, ci, err := src.ReadPacketData()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("import %s: packet %d: %w", file, n, err)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			pkt := gopacket.NewPacket(data, src.LinkType(), gopacket.DecodeOptions{Lazy: true, NoCopy: true})
			if err := each(n, pkt, ci.Timestamp); err != nil {
				return err
			}
		}
		return fmt.Errorf("import %s: more than %d packets", file, maxDecodePackets)
	}
	if err := scan(func(n int, pkt gopacket.Packet, at time.Time) error {
		sum.Packets = n
		if _, _, ok := flowDatagram(pkt); ok {
			if sum.First.IsZero() || at.Before(sum.First) {
				sum.First = at
			}
			if at.After(sum.Last) {
				sum.Last = at
			}
		}
		return nil
	}); err != nil {
		return sum, err
	}
	if sum.First.IsZero() {
		return sum, fmt.Errorf("import %s: no NetFlow, IPFIX or sFlow datagram in %d packets", file, sum.Packets)
	}
	if err := pipe.LoadIndex(ctx, sum.First.Add(-time.Hour), sum.Last); err != nil {
		return sum, fmt.Errorf("import %s: facts of %s to %s: %w", file, sum.First, sum.Last, err)
	}
	lastShown := time.Now()
	if err := scan(func(n int, pkt gopacket.Packet, at time.Time) error {
		from, payload, ok := flowDatagram(pkt)
		if !ok {
			return nil
		}
		sum.Datagrams++
		if err := pipe.Import(from, payload, at); err != nil {
			sum.DecodeErrors++
			if sum.DecodeErrors <= maxImportErrors {
				fmt.Fprintf(errw, "vnetmap: import %s: packet %d from %s: %v\n", file, n, from, err)
			}
		}
		if progress && time.Since(lastShown) > time.Second {
			lastShown = time.Now()
			fmt.Fprintf(errw, "\rimport: packet %d of %d, %d datagrams", n, sum.Packets, sum.Datagrams)
		}
		return nil
	}); err != nil {
		return sum, err
	}
	if progress {
		fmt.Fprintln(errw)
	}
	if sum.DecodeErrors > maxImportErrors {
		fmt.Fprintf(errw, "vnetmap: import %s: %d more datagrams had a part that could not be decoded\n", file, sum.DecodeErrors-maxImportErrors)
	}
	if err := pipe.Flush(ctx); err != nil {
		return sum, fmt.Errorf("import %s: writing the aggregates: %w", file, err)
	}
	return sum, nil
}

// isTerminal reports whether w is a terminal, for progress lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
