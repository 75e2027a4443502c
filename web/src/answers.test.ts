import { describe, expect, it } from 'vitest'
import type { ImpactAnswer, Summary } from './api'
import { firstRunPending, hostsWithin, impactByHost, impactLists, sourceState, summaryLists } from './answers'

describe('answers with missing lists', () => {
  it('reads a null or missing impact list as empty', () => {
    const a = impactLists({ at: 'x', target: 'vlan:230', failed: null, down: [{ vm: 'vm:a', name: 'a', reasons: null }] } as unknown as ImpactAnswer)
    expect(a.failed).toEqual([])
    expect(a.degraded).toEqual([])
    expect(a.applications).toEqual([])
    expect(a.down[0].reasons).toEqual([])
    expect(a.target).toBe('vlan:230')
  })
  it('reads null sources of a summary as none', () => {
    const s = summaryLists({ at: 'x', counts: {}, sources: null } as unknown as Summary)
    expect(s.sources).toEqual([])
    expect(firstRunPending(s)).toBe(false)
  })
})

describe('source states', () => {
  it('takes the server state, else the last run', () => {
    expect(sourceState({ name: 'vc1', stale: false, state: 'collecting' })).toBe('collecting')
    expect(sourceState({ name: 'vc1', stale: false })).toBe('never collected yet')
    expect(sourceState({ name: 'vc1', stale: true, last_attempt: '2026-01-01T00:00:00Z' })).toBe('stale')
    expect(sourceState({ name: 'vc1', stale: false, last_attempt: '2026-01-01T00:00:00Z' })).toBe('ok')
  })
  it('polls while a first run is pending', () => {
    const s: Summary = { at: 'x', counts: {}, sources: [{ name: 'vc1', stale: false, state: 'collecting' }] }
    expect(firstRunPending(s)).toBe(true)
    s.sources[0].last_attempt = '2026-01-01T00:00:00Z'
    s.sources[0].state = 'ok'
    expect(firstRunPending(s)).toBe(false)
  })
})

describe('impact by host', () => {
  const vm = (name: string, host?: string) => ({ vm: `vm:${name}`, name, host, reasons: [] })
  it('groups the VMs down and degraded by host, most down first, no host last', () => {
    const hosts = impactByHost({
      down: [vm('web10', 'esx02'), vm('db01', 'esx01'), vm('web2', 'esx02')],
      degraded: [vm('app01', 'esx01'), vm('app02', 'esx10'), vm('app03', 'esx3'), vm('lost01')],
    } as unknown as ImpactAnswer)
    expect(hosts.map((h) => [h.host, h.down.map((v) => v.name), h.degraded.map((v) => v.name)])).toEqual([
      ['esx02', ['web2', 'web10'], []],
      ['esx01', ['db01'], ['app01']],
      ['esx3', [], ['app03']],
      ['esx10', [], ['app02']],
      ['', [], ['lost01']],
    ])
  })
  it('shows whole hosts within a row limit, at least one', () => {
    const hosts = impactByHost({ down: [vm('a', 'h1'), vm('b', 'h1'), vm('c', 'h2'), vm('d', 'h3')], degraded: [] } as unknown as ImpactAnswer)
    expect(hostsWithin(hosts, 100)).toBe(3)
    expect(hostsWithin(hosts, 5)).toBe(2)
    expect(hostsWithin(hosts, 2)).toBe(1)
  })
})
