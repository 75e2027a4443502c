import { describe, expect, it } from 'vitest'
import { bytes, duration, fromLocalInput, localInput, pageOf, pageOfMatch } from './format'

describe('time control conversions', () => {
  it('round-trips a moment through the datetime-local input (minutes)', () => {
    const iso = '2026-11-23T14:05:00Z'
    expect(fromLocalInput(localInput(iso))).toBe(iso)
  })
  it('rejects what is no local date-time', () => {
    expect(fromLocalInput('')).toBe('')
    expect(fromLocalInput('yesterday')).toBe('')
    expect(localInput('nonsense')).toBe('')
  })
  it('describes durations', () => {
    const now = Date.parse('2026-11-23T14:00:00Z')
    expect(duration('2026-11-23T13:15:00Z', undefined, now)).toBe('45 min')
    expect(duration('2026-11-23T10:00:00Z', '2026-11-23T12:30:00Z')).toBe('2 h 30 min')
    expect(duration('2026-11-20T10:00:00Z', '2026-11-23T12:00:00Z')).toBe('3 d 2 h')
  })
})

describe('links', () => {
  it.each([
    ['vm:4201-ab', '/vm/4201-ab'],
    ['host:esx01', '/host/esx01'],
    ['pnic:esx01/vmnic0', '/host/esx01'],
    ['port:leaf1/Ethernet1/7', '/switch/leaf1?port=Ethernet1%2F7'],
    ['portchannel:leaf1/Port-channel101', '/switch/leaf1?port=Port-channel101'],
    ['mac:00:50:56:00:00:01', '/where/00%3A50%3A56%3A00%3A00%3A01'],
    ['vlan:leaf1/110', null],
  ])('%s → %s', (id, want) => expect(pageOf(id)).toBe(want))
  it('leads a search match to its page', () => {
    expect(pageOfMatch({ page: 'switch', key: 'leaf1', port: 'Ethernet1/7' })).toBe('/switch/leaf1?port=Ethernet1%2F7')
    expect(pageOfMatch({ page: 'impact', key: 'vlan:110' })).toBe('/impact?target=vlan%3A110')
    expect(pageOfMatch({ page: 'vm', key: 'web01' })).toBe('/vm/web01')
  })
})

describe('bytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1500, '1.5 kB'],
    [123_456_789, '123 MB'],
  ])('%d → %s', (n, want) => expect(bytes(n)).toBe(want))
})
