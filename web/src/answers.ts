// Answers of the API as the pages read them: lists a server left out or
// sent as null read as empty, so that a page renders what it has rather
// than failing on `.length` of nothing.

import type { ImpactAnswer, SourceState, Summary } from './api'

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
