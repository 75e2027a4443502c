// How the switch page shows collection health: the tone of a table group's
// line and the hover text of a table. The lines themselves come from the
// server (the CLI prints the same).

import type { HealthGroup, HealthTable } from './api'

/** healthTone is the badge of a group: down when it failed and kept nothing, warning when a table failed or skipped rows, ok otherwise. */
export function healthTone(g: HealthGroup): 'ok' | 'warning' | 'down' {
  if (g.failed > 0 && g.kept === 0) return 'down'
  if (g.failed > 0 || g.skipped > 0) return 'warning'
  return 'ok'
}

/** healthProblems are the tables of a group that skipped rows or failed. */
export function healthProblems(g: HealthGroup): HealthTable[] {
  return g.tables.filter((t) => t.error || t.skipped > 0)
}

/** healthTitle is a table's hover text: counts, time, then the example of a skipped row. */
export function healthTitle(t: HealthTable): string {
  const ms = Math.round(t.duration_ns / 1e6)
  let s = `${t.table}: ${t.rows} read, ${t.kept} kept, ${t.skipped} skipped in ${ms} ms`
  if (t.error) s += `\nfailed: ${t.error}`
  if (t.example) s += `\ne.g. ${t.example}`
  return s
}
