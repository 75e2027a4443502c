import { describe, expect, it } from 'vitest'
import { macPath, portHistoryPath, splitPortPath } from './vlanapi'
import { pageOfMatch } from './format'

describe('port and MAC history paths', () => {
  it('keeps an interface name readable and reads it back', () => {
    const p = portHistoryPath('leaf1', 'Ethernet1/7')
    expect(p).toBe('/history/port/leaf1/Ethernet1/7')
    expect(splitPortPath(decodeURIComponent(p.slice('/history/port/'.length)))).toEqual(['leaf1', 'Ethernet1/7'])
    expect(portHistoryPath('leaf 1', 'Port Channel 20')).toBe('/history/port/leaf%201/Port%20Channel%2020')
    expect(macPath('00:50:56:00:00:01')).toBe('/mac/00%3A50%3A56%3A00%3A00%3A01')
  })
})

describe('search matches of the new pages', () => {
  it('opens a VLAN, a port group and a cluster', () => {
    expect(pageOfMatch({ page: 'vlan', key: '110' })).toBe('/vlan/110')
    expect(pageOfMatch({ page: 'portgroup', key: 'VM Network' })).toBe('/portgroup/VM%20Network')
    expect(pageOfMatch({ page: 'topology', key: 'cluster:vc1/DC/C1' })).toBe('/topology?group=cluster&expand=cluster%3Avc1%2FDC%2FC1')
  })
})
