import { describe, expect, it } from 'vitest'
import type { HealthGroup, HealthTable } from './api'
import { healthProblems, healthTitle, healthTone } from './health'

const table = (t: Partial<HealthTable>): HealthTable => ({ table: 'ifTable', rows: 0, kept: 0, skipped: 0, duration_ns: 0, text: '', ...t })
const group = (tables: HealthTable[]): HealthGroup => ({
  group: 'if',
  label: 'IF',
  kept: Math.max(0, ...tables.map((t) => t.kept)),
  unit: 'ports',
  skipped: tables.reduce((n, t) => n + t.skipped, 0),
  failed: tables.filter((t) => t.error).length,
  text: '',
  tables,
})

describe('collection health', () => {
  it('tones a group by what went wrong', () => {
    expect(healthTone(group([table({ rows: 48, kept: 48 })]))).toBe('ok')
    expect(healthTone(group([table({ rows: 50, kept: 48, skipped: 2 })]))).toBe('warning')
    expect(healthTone(group([table({ kept: 10 }), table({ table: 'dot1dTpFdbTable (vlan 110)', error: 'timeout' })]))).toBe('warning')
    expect(healthTone(group([table({ error: 'VLAN 110 context did not answer' })]))).toBe('down')
  })
  it('lists the tables that skipped rows or failed', () => {
    const bad = table({ table: 'ifXTable', skipped: 2 })
    const failed = table({ table: 'x', error: 'e' })
    expect(healthProblems(group([table({ kept: 3 }), bad, failed]))).toEqual([bad, failed])
  })
  it('says the counts, the time, the error and the example on hover', () => {
    expect(healthTitle(table({ table: 'ifXTable', rows: 50, kept: 48, skipped: 2, duration_ns: 12_400_000, example: '1.3.6.1.2.1.31.1.1.1.1: no index' }))).toBe(
      'ifXTable: 50 read, 48 kept, 2 skipped in 12 ms\ne.g. 1.3.6.1.2.1.31.1.1.1.1: no index',
    )
    expect(healthTitle(table({ table: 't', error: 'timeout' }))).toBe('t: 0 read, 0 kept, 0 skipped in 0 ms\nfailed: timeout')
  })
})
