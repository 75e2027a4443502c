package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/spf13/cobra"

	"github.com/vnetmap/vnetmap/internal/flow/decode"
)

func decodeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "decode FILE.pcap",
		Short: "Decode a pcap's NetFlow v5/v9, IPFIX and sFlow datagrams and its LLDP, CDP and LACP frames to JSON lines",
		Long: `decode reads a pcap (or pcapng) file and prints one JSON object per line: each flow record of
the NetFlow, IPFIX or sFlow datagrams it carries over UDP (recognised by their version field),
each sFlow counter sample (kind "sflow5_counters": an interface's octets, packets, errors and
discards), and each LLDP, CDP and LACP frame. A packet that cannot be decoded yields a line with
"error" naming the packet number; decoding goes on. In a datagram of which only a part is bad,
the records of the rest are printed, then one error line for the bad part.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			w := bufio.NewWriter(g.stdout)
			defer w.Flush()
			n, err := decodePcap(f, w)
			if err != nil {
				return fmt.Errorf("decode %s: after %d packets: %w", args[0], n, err)
			}
			return nil
		},
	}
}

// packetSource reads a pcap or pcapng stream.
type packetSource interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// openPcap reads a pcap or a pcapng stream, told apart by its magic number.
func openPcap(r io.Reader) (packetSource, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("not a pcap file: %w", err)
	}
	var src packetSource
	if binary.LittleEndian.Uint32(magic) == 0x0a0d0d0a {
		src, err = pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
	} else {
		src, err = pcapgo.NewReader(br)
	}
	if err != nil {
		return nil, fmt.Errorf("not a pcap file: %w", err)
	}
	return src, nil
}

// maxDecodePackets bounds the packets read from one file.
const maxDecodePackets = 50_000_000

// decodePcap writes the JSON lines of every packet of r and returns how
// many packets it read.
func decodePcap(r io.Reader, out io.Writer) (int, error) {
	src, err := openPcap(r)
	if err != nil {
		return 0, err
	}
	enc := json.NewEncoder(out)
	dec := decode.NewDecoder(4096)
	var batch decode.Batch
	n := 0
	for ; n < maxDecodePackets; n++ {
		data, ci, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		pkt := gopacket.NewPacket(data, src.LinkType(), gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		for _, line := range decodePacket(pkt, n+1, ci.Timestamp, dec, &batch) {
			if err := enc.Encode(line); err != nil {
				return n, err
			}
		}
	}
	return n, fmt.Errorf("more than %d packets", maxDecodePackets)
}

// line is one JSON output line.
type line map[string]any

// decodePacket returns the lines of one packet: flow records and counter
// samples (then an error line for a part of the datagram that could not be
// decoded), a neighbour frame or an error line for a malformed one; nothing
// for other traffic.
func decodePacket(pkt gopacket.Packet, n int, at time.Time, dec *decode.Decoder, batch *decode.Batch) []line {
	base := func(kind string) line { return line{"packet": n, "time": at.UTC(), "kind": kind} }
	if kind := neighbourKind(pkt); kind != "" {
		if el := pkt.ErrorLayer(); el != nil {
			out := base(kind)
			out["error"] = fmt.Sprintf("%s: %v", kind, el.Error())
			return []line{out}
		}
	}
	if l := pkt.Layer(layers.LayerTypeLinkLayerDiscovery); l != nil {
		d := l.(*layers.LinkLayerDiscovery)
		out := base("lldp")
		out["chassis_id"], out["port_id"], out["ttl"] = lldpID(byte(d.ChassisID.Subtype), d.ChassisID.ID), lldpID(byte(d.PortID.Subtype), d.PortID.ID), d.TTL
		if il := pkt.Layer(layers.LayerTypeLinkLayerDiscoveryInfo); il != nil {
			info := il.(*layers.LinkLayerDiscoveryInfo)
			out["system_name"], out["port_description"], out["system_description"] = info.SysName, info.PortDescription, info.SysDescription
			if a := mgmtAddress(info.MgmtAddress); a != "" {
				out["management_address"] = a
			}
		}
		return []line{out}
	}
	if l := pkt.Layer(layers.LayerTypeCiscoDiscoveryInfo); l != nil {
		info := l.(*layers.CiscoDiscoveryInfo)
		out := base("cdp")
		out["device_id"], out["port_id"], out["platform"], out["native_vlan"] = info.DeviceID, info.PortID, info.Platform, info.NativeVLAN
		var addrs []string
		for _, a := range info.Addresses {
			addrs = append(addrs, a.String())
		}
		out["addresses"] = addrs
		return []line{out}
	}
	if eth, ok := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet); ok && eth.EthernetType == 0x8809 {
		out := base("lacp")
		if err := lacp(eth.Payload, out); err != nil {
			return []line{{"packet": n, "time": at.UTC(), "kind": "lacp", "error": err.Error()}}
		}
		return []line{out}
	}
	from, payload, ok := flowDatagram(pkt)
	if !ok {
		return nil
	}
	exporter := from.Addr()
	batch.Reset()
	err := dec.Decode(exporter, at, payload, batch)
	lines := make([]line, 0, len(batch.Records)+len(batch.Counters)+1)
	for i := range batch.Records {
		lines = append(lines, flowLine(base, &batch.Records[i]))
	}
	for i := range batch.Counters {
		lines = append(lines, countersLine(base, &batch.Counters[i]))
	}
	if err != nil {
		out := base("flow")
		out["exporter"], out["error"] = exporter.String(), err.Error()
		lines = append(lines, out)
	}
	return lines
}

// neighbourKind tells an LLDP ("lldp") or CDP ("cdp") frame by its
// EtherType or SNAP header, decoded or not; "" for other frames.
func neighbourKind(pkt gopacket.Packet) string {
	eth, ok := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if !ok {
		return ""
	}
	if eth.EthernetType == layers.EthernetTypeLinkLayerDiscovery {
		return "lldp"
	}
	if snap, ok := pkt.Layer(layers.LayerTypeSNAP).(*layers.SNAP); ok &&
		bytes.Equal(snap.OrganizationalCode, []byte{0, 0, 0x0c}) && snap.Type == layers.EthernetTypeCiscoDiscovery {
		return "cdp"
	}
	return ""
}

// flowDatagram returns the UDP payload of a packet that looks like a flow
// export, and the address and port it came from.
func flowDatagram(pkt gopacket.Packet) (netip.AddrPort, []byte, bool) {
	udp, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !ok || len(udp.Payload) < 4 || !looksLikeFlow(udp.Payload) {
		return netip.AddrPort{}, nil, false
	}
	var addr netip.Addr
	if nl := pkt.NetworkLayer(); nl != nil {
		addr, _ = netip.AddrFromSlice(nl.NetworkFlow().Src().Raw())
		addr = addr.Unmap()
	}
	return netip.AddrPortFrom(addr, uint16(udp.SrcPort)), udp.Payload, true
}

// looksLikeFlow sniffs the version field of a UDP payload.
func looksLikeFlow(p []byte) bool {
	switch binary.BigEndian.Uint16(p) {
	case 5, 9, 10:
		return true
	}
	return binary.BigEndian.Uint32(p) == 5 // sFlow v5
}

func flowLine(base func(string) line, r *decode.Record) line {
	out := base(r.Protocol.String())
	out["exporter"], out["domain"] = r.Exporter.String(), r.Domain
	out["src"], out["dst"], out["proto"] = addrString(r.SrcAddr), addrString(r.DstAddr), r.Proto
	out["src_port"], out["dst_port"], out["bytes"], out["packets"] = r.SrcPort, r.DstPort, r.Bytes, r.Packets
	out["in_if"], out["out_if"] = r.InIf, r.OutIf
	if r.SamplingRate > 0 {
		out["sampling_rate"] = r.SamplingRate
	}
	if r.SrcMAC != [6]byte{} || r.DstMAC != [6]byte{} {
		out["src_mac"], out["dst_mac"] = net.HardwareAddr(r.SrcMAC[:]).String(), net.HardwareAddr(r.DstMAC[:]).String()
	}
	if r.VLAN != 0 {
		out["vlan"] = r.VLAN
	}
	if !r.Start.IsZero() {
		out["start"], out["end"] = r.Start.UTC(), r.End.UTC()
	}
	return out
}

// countersLine is an sFlow counter sample's line: the generic interface
// counters and, when the agent sent them, the Ethernet ones.
func countersLine(base func(string) line, c *decode.Counters) line {
	out := base("sflow5_counters")
	out["exporter"], out["domain"], out["if_index"] = c.Exporter.String(), c.Domain, c.IfIndex
	out["uptime_ms"], out["sequence"] = c.Uptime.Milliseconds(), c.Sequence
	if c.Generic {
		out["if_type"], out["if_speed"], out["if_direction"] = c.IfType, c.IfSpeed, c.IfDirection.String()
		out["admin_up"], out["oper_up"] = c.AdminUp, c.OperUp
		out["in_octets"], out["in_packets"], out["in_errors"], out["in_discards"] = c.InOctets, c.InPackets, c.InErrors, c.InDiscards
		out["in_unknown_protos"] = c.InUnknownProtos
		out["out_octets"], out["out_packets"], out["out_errors"], out["out_discards"] = c.OutOctets, c.OutPackets, c.OutErrors, c.OutDiscards
	}
	if c.Ethernet {
		e := &c.Dot3
		out["ethernet"] = line{
			"alignment_errors": e.AlignmentErrors, "fcs_errors": e.FCSErrors,
			"single_collision_frames": e.SingleCollisionFrames, "multiple_collision_frames": e.MultipleCollisionFrames,
			"sqe_test_errors": e.SQETestErrors, "deferred_transmissions": e.DeferredTransmissions,
			"late_collisions": e.LateCollisions, "excessive_collisions": e.ExcessiveCollisions,
			"internal_mac_transmit_errors": e.InternalMacTransmitErrors, "carrier_sense_errors": e.CarrierSenseErrors,
			"frame_too_longs": e.FrameTooLongs, "internal_mac_receive_errors": e.InternalMacReceiveErrors,
			"symbol_errors": e.SymbolErrors,
		}
	}
	return out
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// lldpID renders an LLDP chassis or port ID: a MAC (subtype 4 for chassis,
// 3 for port) as a MAC, a network address as an address, else as text.
func lldpID(subtype byte, id []byte) string {
	if len(id) == 6 && (subtype == 4 || subtype == 3) {
		return net.HardwareAddr(id).String()
	}
	return string(id)
}

func mgmtAddress(m layers.LLDPMgmtAddress) string {
	if a, ok := netip.AddrFromSlice(m.Address); ok && len(m.Address) > 0 {
		return a.String()
	}
	return ""
}

// lacp decodes an IEEE 802.3ad LACPDU (slow protocols subtype 1): the
// actor's and partner's system, key, port and state.
func lacp(b []byte, out line) error {
	// subtype, version, then TLV actor (type 1, length 20) and partner (type 2, length 20).
	if len(b) < 2+2*20 {
		return fmt.Errorf("lacp: %d bytes, want at least 42", len(b))
	}
	if b[0] != 1 {
		return fmt.Errorf("lacp: slow protocols subtype %d is not LACP (1)", b[0])
	}
	out["version"] = b[1]
	for i, name := range []string{"actor", "partner"} {
		t := b[2+20*i:]
		if t[0] != byte(i+1) || t[1] != 20 {
			return fmt.Errorf("lacp: %s TLV at offset %d: type %d length %d, want %d and 20", name, 2+20*i, t[0], t[1], i+1)
		}
		out[name] = line{
			"system_priority": binary.BigEndian.Uint16(t[2:]),
			"system":          net.HardwareAddr(t[4:10]).String(),
			"key":             binary.BigEndian.Uint16(t[10:]),
			"port_priority":   binary.BigEndian.Uint16(t[12:]),
			"port":            binary.BigEndian.Uint16(t[14:]),
			"state":           lacpState(t[16]),
		}
	}
	return nil
}

// lacpState names the set bits of an LACP state octet.
func lacpState(s byte) []string {
	names := []string{"activity", "timeout", "aggregation", "synchronization", "collecting", "distributing", "defaulted", "expired"}
	var r []string
	for i, n := range names {
		if s&(1<<i) != 0 {
			r = append(r, n)
		}
	}
	return r
}
