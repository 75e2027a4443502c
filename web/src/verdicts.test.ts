import { describe, expect, it } from 'vitest'
import { dropsBy, findingOf, severityCounts, worstBySubject, type CutOffVM } from './verdicts'

const drop = (port: string, vlan: string) => ({
  portgroup: 'shop-db-v230',
  vlan,
  host: 'esx05',
  pnic: 'pnic:esx05/vmnic1',
  device: 'vmnic1',
  role: 'active',
  port,
  switch: 'leaf4',
  port_name: port.split('/').slice(1).join('/'),
})

describe('dropsBy', () => {
  it('groups the VLANs dropped and the VMs cut off by port', () => {
    const cut: CutOffVM[] = [
      { vm: 'vm:1', name: 'shop-db-01', host: 'esx05', reason: 'r', drops: [drop('port:leaf4/Ethernet1/1', '230')] },
      { vm: 'vm:2', name: 'shop-db-04', host: 'esx05', reason: 'r', drops: [drop('port:leaf4/Ethernet1/1', '230'), drop('port:leaf4/Ethernet1/2', '240')] },
    ]
    const m = dropsBy(cut, (d) => d.port)
    expect(m.get('port:leaf4/Ethernet1/1')).toEqual({ vlans: ['230'], vms: ['shop-db-01', 'shop-db-04'] })
    expect(m.get('port:leaf4/Ethernet1/2')).toEqual({ vlans: ['240'], vms: ['shop-db-04'] })
    expect(dropsBy(undefined, (d) => d.port).size).toBe(0)
  })
})

describe('severityCounts', () => {
  it('counts worst first and leaves out severities with none', () => {
    expect(severityCounts([{ severity: 'warning' }, { severity: 'critical' }, { severity: 'warning' }])).toEqual([
      ['critical', 1],
      ['warning', 2],
    ])
    expect(severityCounts([])).toEqual([])
  })
})

describe('worstBySubject', () => {
  it('keeps the worst severity of the findings about each entity', () => {
    const m = worstBySubject([
      { severity: 'warning', subjects: ['host:esx05', 'cluster:c2'] },
      { severity: 'critical', subjects: ['vm:1', 'host:esx05'] },
      { severity: 'info', subjects: ['cluster:c2'] },
    ])
    expect(m.get('host:esx05')).toBe('critical')
    expect(m.get('cluster:c2')).toBe('warning')
    expect(m.get('vm:1')).toBe('critical')
    expect(worstBySubject(undefined).size).toBe(0)
  })
})

describe('findingOf', () => {
  it('links to the vm-unsafe-host findings of the VM', () => {
    expect(findingOf('shop-db 01')).toBe('/findings?rule=vm-unsafe-host&q=shop-db+01')
  })
})
