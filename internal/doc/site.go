package doc

import (
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/graph"
	"github.com/vnetmap/vnetmap/internal/model"
	"github.com/vnetmap/vnetmap/internal/query"
)

// Input is what the documentation of one moment is built from. Graph is
// required; the rest may be nil (no findings, no traffic, no change log).
type Input struct {
	// Graph is the map at Moment.
	Graph *graph.Graph
	// Moment is the documented moment, the only time the output shows
	// (besides the flow window and the change log's bounds).
	Moment time.Time
	// Findings are the open findings at Moment (check.Run).
	Findings []check.Finding
	// Flows is the estate's dependency map (query.Service.FlowDeps with no
	// target) over the window before Moment.
	Flows *query.DepsAnswer
	// Links is the traffic per switch port over the same window
	// (query.Service.LinkTraffic with no target): port-channel shares.
	Links *query.LinkAnswer
	// Changes is what changed since an earlier moment, when asked.
	Changes *Changes
}

// Changes is the change log's input: the diff between the two maps and
// the findings that appeared and cleared between them (check.Changes).
type Changes struct {
	Diff     *graph.DiffResult
	Appeared []check.Finding
	Cleared  []check.Finding
}

// Site is the documentation of the map at one moment, before rendering:
// what each page says, in a stable order.
type Site struct {
	Moment    time.Time
	Counts    map[model.Kind]int
	Clusters  []*Cluster
	Hosts     []*Host
	Switches  []*Switch
	Bundles   []*Bundle
	Channels  []*Channel
	MLAGPairs []*MLAGPair
	VLANs     []*VLAN
	Apps      []*App
	Findings  []check.Finding
	Flows     *query.DepsAnswer
	Changes   *Changes

	pages   *pager
	anchors map[model.ID]string // switch port → its anchor on the switch page
}

// Cluster is a cluster (or the standalone hosts of the map) and its hosts.
type Cluster struct {
	ID         model.ID
	Name       string
	Datacenter string
	DRS, HA    string
	Hosts      []*Host
	// VLANs are the VLANs of the access port groups on its hosts, sorted.
	VLANs []int
	page  string
}

// Host is an ESXi (or other hypervisor) host and its network.
type Host struct {
	ID                     model.ID
	Name                   string
	Cluster                *Cluster
	Connection             string
	Vendor, Model, Version string
	Uplinks                []*Uplink
	VSwitches              []*VSwitch
	Portgroups             []*Portgroup
	VMs                    []*VM
	// VLANs is the state of each VLAN of the host's access port groups.
	VLANs map[int]VLANState
	page  string
}

// VLANState says whether a VLAN works on a host: it has a port group on
// it, and its active and standby uplinks' switch ports carry it.
type VLANState string

// VLAN states on a host.
const (
	VLANOK      VLANState = "ok"      // port group, and every active/standby uplink's port carries it
	VLANGap     VLANState = "gap"     // port group, but an active/standby uplink's port does not carry it
	VLANUnknown VLANState = "unknown" // port group, ports or their VLANs unknown
	VLANAbsent  VLANState = ""        // no port group on the VLAN
)

// Uplink is a physical NIC of a host and the switch ports behind it.
type Uplink struct {
	ID        model.ID
	Device    string
	MAC       string
	SpeedMbps string
	Link      string
	// UsedBy are the virtual switches with the NIC as an uplink
	// ("dvs-prod uplink1 (lag1)").
	UsedBy []string
	// Hint is what the host's CDP/LLDP saw on the NIC.
	Hint  []string
	Ports []*CabledPort
	// VMs are the VMs whose traffic can use the NIC (an active or standby
	// uplink of their port group).
	VMs []*VM
}

// CabledPort is a switch port correlation cabled a pNIC to.
type CabledPort struct {
	Port       *SwitchPort
	Switch     *Switch
	Channel    *SwitchPort // the port-channel the port is in, or nil
	MLAGPeer   *Switch     // the switch holding the channel's other half
	Evidence   []string
	Confidence string
}

// VSwitch is a standard or distributed virtual switch as one host uses it.
type VSwitch struct {
	ID      model.ID
	Kind    model.Kind
	Name    string
	MTU     string
	Policy  string
	Active  string
	Standby string
	// Uplinks are the host's NICs on it ("vmnic2 lag1-0 (lag1)").
	Uplinks []string
	LAGs    []*LAG
}

// LAG is an LACP group of a distributed switch.
type LAG struct {
	ID          model.ID
	Name        string
	Mode        string
	LoadBalance string
}

// Portgroup is a port group as one host has it.
type Portgroup struct {
	ID      model.ID
	Name    string
	Switch  string
	Type    string
	VLAN    string // access VLAN ("0": untagged)
	Trunk   string // trunk ranges
	PVLAN   string
	Policy  string
	Active  string
	Standby string
	// VMs counts the host's VMs with a vNIC on it.
	VMs int
	// State is whether its VLAN works on the host (access port groups).
	State VLANState
	// Missing are the uplinks whose switch port does not carry the VLAN
	// ("vmnic1 → leaf2 Ethernet1/2").
	Missing []string
}

// VM is a virtual machine and its physical attachment.
type VM struct {
	ID    model.ID
	Name  string
	Power string
	Host  *Host
	Apps  []string
	NICs  []*VMNIC
}

// VMNIC is a vNIC of a VM with its port group and uplinks.
type VMNIC struct {
	Label     string
	MAC       string
	Connected bool
	IPs       []string
	Portgroup string
	VLAN      string
	Uplinks   []VMUplink
}

// VMUplink is an uplink a vNIC's traffic can take, with its role.
type VMUplink struct {
	Uplink *Uplink
	Role   string
}

// Switch is a physical switch and its ports.
type Switch struct {
	ID                              model.ID
	Name                            string
	Vendor, Model, Version, Address string
	Ports                           []*SwitchPort
	// Neighbours are the switches with an inter-switch link to it.
	Neighbours []*Switch
	// VLANs are the VLANs the switch defines.
	VLANs []SwitchVLAN
	page  string
}

// SwitchVLAN is a VLAN a switch defines.
type SwitchVLAN struct {
	VID  int
	Name string
}

// SwitchPort is a port or port-channel of a switch.
type SwitchPort struct {
	ID       model.ID
	Kind     model.Kind
	Name     string
	Switch   *Switch
	Oper     string
	Speed    string
	MTU      string
	Mode     string
	Access   string
	Native   string
	Allowed  string
	Channel  *SwitchPort   // the port-channel of a member
	Members  []*SwitchPort // the members of a port-channel
	Neighbor string        // LLDP/CDP neighbour the switch reports
	Peer     *SwitchPort   // far end of an inter-switch link
	Attached []*Attachment
	anchor   string
	vlans    vlanSet
	vlansOK  bool
}

// Attachment is a host NIC cabled to a switch port.
type Attachment struct {
	Host       *Host
	Uplink     *Uplink
	Evidence   []string
	Confidence string
}

// Bundle is a host-side link aggregate: the uplinks of an LACP group of a
// distributed switch, or of a virtual switch teaming by IP hash.
type Bundle struct {
	Host    *Host
	VSwitch string
	Name    string
	Mode    string
	Uplinks []*Uplink
	// Channels are the switch port-channels its ports are members of.
	Channels []*SwitchPort
	// Status says whether the switches bundle it the same way.
	Status string
}

// Bundle statuses.
const (
	BundleOK        = "bundled"                        // one port-channel, or the two halves of an MLAG pair
	BundleNotOnPort = "not bundled on the switch"      // a member's port is in no port-channel
	BundleSplit     = "split across non-MLAG switches" // port-channels on switches that are no MLAG pair
	BundleUnknown   = "unknown"                        // a member has no known switch port
)

// Channel is a switch port-channel with what is behind it.
type Channel struct {
	Port     *SwitchPort
	MLAGPeer *Switch
	Hosts    []*Host
	// Traffic is the members' share of the window's traffic, when the
	// switches export flows.
	Traffic *query.LinkChannel
}

// MLAGPair is two switches holding port-channels of the same name and
// linked to each other (vPC, MLAG).
type MLAGPair struct {
	A, B     *Switch
	Channels []string
}

// VLAN is one VLAN across the map.
type VLAN struct {
	VID   int
	Names []string
	// Portgroups are the access port groups on it, one per name and
	// virtual switch, with the hosts that have them.
	Portgroups []*VLANPortgroup
	// Hosts are the hosts with a port group on it, and its state there.
	Hosts []*VLANHost
	// Switches are the switches that define it or carry it on a port.
	Switches []*VLANSwitch
	// Gaps counts the hosts where it does not work.
	Gaps int
	// OnNoSwitch says that port groups use it but no switch defines it
	// (when the switches report their VLANs).
	OnNoSwitch bool
	page       string
}

// VLANPortgroup is a port group name on a VLAN and where it is.
type VLANPortgroup struct {
	Name   string
	Switch string
	Hosts  int
}

// VLANHost is a host with a port group on a VLAN.
type VLANHost struct {
	Host    *Host
	State   VLANState
	Missing []string
}

// VLANSwitch is a switch and the ports that carry a VLAN.
type VLANSwitch struct {
	Switch  *Switch
	Defined bool
	Ports   []*SwitchPort
}

// App is an application and what it depends on.
type App struct {
	ID    model.ID
	Name  string
	VMs   []*VM
	Hosts []*Host
	// Ports are the switch ports its VMs' uplinks are cabled to, with the
	// number of its VMs behind each.
	Ports []AppPort
	// VLANs are the VLANs of its VMs' port groups, with the VMs on each.
	VLANs []AppVLAN
	// Flows are the dependency edges with the application on one side.
	Flows []query.DepEdge
	page  string
}

// AppPort is a switch port an application depends on.
type AppPort struct {
	Port *SwitchPort
	VMs  int
}

// AppVLAN is a VLAN an application depends on.
type AppVLAN struct {
	VLAN string
	VMs  int
}
