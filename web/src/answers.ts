// Answers of the API as the pages read them: lists a server left out or
// sent as null read as empty, so that a page renders what it has rather
// than failing on `.length` of nothing.

import type { ImpactAnswer, SourceState, Summary, VMImpact } from './api'

/** impactLists returns a with every list present (empty when missing or null). */
export function impactLists(a: ImpactAnswer): ImpactAnswer {
  return {
    ...a,
    failed: a.failed ?? [],
    down: (a.down ?? []).map((v) => ({ ...v, reasons: v.reasons ?? [] })),
    degraded: (a.degraded ?? []).map((v) => ({ ...v, reasons: v.reasons ?? [] })),
    applications: a.applications ?? [],
  }
}

/** HostImpact is what a failure does to the VMs of one host ('' when the host is not known). */
export interface HostImpact {
  host: string
  down: VMImpact[]
  degraded: VMImpact[]
}

/**
 * impactByHost groups the VMs down and degraded by their host: the hosts
 * with the most VMs down first, then the most degraded, then by name; the
 * VMs of a host by name; VMs with no host known last (as `vnetmap impact`).
 */
export function impactByHost(a: Pick<ImpactAnswer, 'down' | 'degraded'>): HostImpact[] {
  const by = new Map<string, HostImpact>()
  const at = (host: string) => {
    let h = by.get(host)
    if (!h) by.set(host, (h = { host, down: [], degraded: [] }))
    return h
  }
  for (const v of a.down ?? []) at(v.host ?? '').down.push(v)
  for (const v of a.degraded ?? []) at(v.host ?? '').degraded.push(v)
  const byName = (x: VMImpact, y: VMImpact) => x.name.localeCompare(y.name, undefined, { numeric: true })
  const hosts = [...by.values()]
  for (const h of hosts) {
    h.down.sort(byName)
    h.degraded.sort(byName)
  }
  return hosts.sort(
    (x, y) =>
      Number(x.host === '') - Number(y.host === '') ||
      y.down.length - x.down.length ||
      y.degraded.length - x.degraded.length ||
      x.host.localeCompare(y.host, undefined, { numeric: true }),
  )
}

/** HostRows is how many table rows a host takes: its own and one per VM. */
export function hostRows(h: HostImpact): number {
  return 1 + h.down.length + h.degraded.length
}

/** hostsWithin returns how many of hosts (from the first) fit in limit rows; at least one. */
export function hostsWithin(hosts: HostImpact[], limit: number): number {
  let rows = 0
  for (let i = 0; i < hosts.length; i++) {
    rows += hostRows(hosts[i])
    if (rows > limit) return Math.max(1, i)
  }
  return hosts.length
}

/** summaryLists returns s with its counts and sources present (empty when missing or null). */
export function summaryLists(s: Summary): Summary {
  return { ...s, counts: s.counts ?? {}, sources: s.sources ?? [] }
}

/** SourceStateName is how a source stands: collecting, never collected yet, stale or ok. */
export type SourceStateName = 'ok' | 'stale' | 'collecting' | 'never collected yet'

/** sourceState is the state of src: the server's, else what its last run says. */
export function sourceState(src: SourceState): SourceStateName {
  if (src.state) return src.state
  if (!src.last_attempt) return 'never collected yet'
  return src.stale ? 'stale' : 'ok'
}

/** firstRunPending says whether a source of s has not finished its first run: the page asks again until none has. */
export function firstRunPending(s: Summary): boolean {
  return (s.sources ?? []).some((src) => !src.last_attempt || src.state === 'never collected yet')
}
