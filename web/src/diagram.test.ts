import { describe, expect, it } from 'vitest'
import { evidenceLabel, layoutPath } from './diagram'
import type { PortView, VNICView } from './api'

const port = (sw: string, p: string, extra: Partial<PortView> = {}): PortView => ({
  id: `port:${sw}/${p}`,
  switch: sw,
  port: p,
  evidence: ['host-lldp', 'switch-lldp'],
  confidence: 'high',
  carries_vlan: 'yes',
  ...extra,
})

const nic: VNICView = {
  id: 'vnic:u1/4000',
  label: 'Network adapter 1',
  mac: '00:50:56:00:00:01',
  connected: true,
  portgroup: { id: 'portgroup:dvs/pg1', name: 'prod-web', vlan: '110' },
  switch: { id: 'dvswitch:dvs', kind: 'dvswitch', name: 'dvs-prod', mtu: '9000' },
  uplinks: [
    { id: 'pnic:esx01/vmnic2', device: 'vmnic2', role: 'active', lag: 'lag1', ports: [port('leaf1', 'Ethernet1/17', { port_channel: 'Port-channel101', mlag_peer: 'leaf2' })] },
    { id: 'pnic:esx01/vmnic3', device: 'vmnic3', role: 'active', lag: 'lag1', ports: [port('leaf2', 'Ethernet1/17', { port_channel: 'Port-channel101', mlag_peer: 'leaf1' })] },
    { id: 'pnic:esx01/vmnic1', device: 'vmnic1', role: 'standby', ports: [port('leaf2', 'Ethernet1/9', { carries_vlan: 'no', evidence: ['host-cdp'], confidence: 'medium' })] },
    { id: 'pnic:esx01/vmnic4', device: 'vmnic4', role: 'unused', link: 'down', ports: [] },
  ],
  confirmed_by_fdb: true,
}

describe('layoutPath', () => {
  const d = layoutPath(nic)
  const byKind = (k: string) => d.nodes.filter((n) => n.kind === k).map((n) => n.label)

  it('has every hop of the path, in columns', () => {
    expect(byKind('vnic')).toEqual(['Network adapter 1'])
    expect(byKind('portgroup')).toEqual(['prod-web'])
    expect(byKind('vswitch')).toEqual(['dvs-prod'])
    expect(byKind('pnic')).toEqual(['vmnic2', 'vmnic3', 'vmnic1', 'vmnic4'])
    expect(byKind('port')).toEqual(['Ethernet1/17', 'Ethernet1/17', 'Ethernet1/9'])
    expect(byKind('portchannel')).toEqual(['Port-channel101', 'Port-channel101'])
    expect(byKind('switch').sort()).toEqual(['leaf1', 'leaf2'])
    const col = (k: string) => d.nodes.find((n) => n.kind === k)!.col
    expect([col('vnic'), col('portgroup'), col('vswitch'), col('pnic'), col('port'), col('portchannel'), col('switch')]).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(d.cols).toBe(7)
    expect(d.rows).toBe(4) // one row per switch port, and one for the NIC with none
  })

  it('writes the evidence and confidence on each pNIC-to-port link', () => {
    const links = d.edges.filter((e) => e.label)
    expect(links.map((e) => [e.label, e.sublabel, e.style])).toEqual([
      ['LLDP host+switch', 'high confidence', 'active'],
      ['LLDP host+switch', 'high confidence', 'active'],
      ['CDP host', 'medium confidence', 'bad'],
    ])
  })

  it('marks a port that does not carry the VLAN, a standby and a down NIC', () => {
    expect(d.nodes.find((n) => n.label === 'Ethernet1/9')!.state).toBe('bad')
    expect(d.nodes.find((n) => n.label === 'vmnic1')!.state).toBe('standby')
    expect(d.nodes.find((n) => n.label === 'vmnic4')!.state).toBe('down')
    expect(d.nodes.find((n) => n.label === 'vmnic4')!.sub).toContain('no switch port known')
    expect(d.nodes.find((n) => n.kind === 'portchannel')!.sub).toContain('MLAG with leaf2')
  })

  it('centres a switch on its ports and links pages', () => {
    const leaf2 = d.nodes.find((n) => n.id === 'sw:leaf2')!
    expect(leaf2.row).toBe(1.5) // rows 1 (via Port-channel101) and 2 (Ethernet1/9)
    expect(leaf2.page).toBe('/switch/leaf2')
    expect(d.nodes.find((n) => n.label === 'Ethernet1/9')!.page).toBe('/switch/leaf2?port=Ethernet1%2F9')
  })

  it('links the port group to its page', () => {
    const pg = d.nodes.find((n) => n.kind === 'portgroup')!
    expect(pg.page).toBe(`/portgroup/${encodeURIComponent(pg.label)}`)
  })

  it('draws a vNIC without port group or uplinks', () => {
    const bare = layoutPath({ id: 'vnic:x', connected: false, confirmed_by_fdb: false })
    expect(bare.nodes.map((n) => n.kind)).toEqual(['vnic'])
    expect(bare.nodes[0].state).toBe('down')
    expect(bare.rows).toBe(1)
  })
})

describe('evidenceLabel', () => {
  it.each([
    [['host-lldp', 'switch-lldp'], 'LLDP host+switch'],
    [['host-cdp', 'switch-lldp', 'declared'], 'CDP host, LLDP switch, declared'],
    [['fdb'], 'FDB'],
    [[], ''],
  ])('%j → %s', (ev, want) => expect(evidenceLabel(ev)).toBe(want))
})
