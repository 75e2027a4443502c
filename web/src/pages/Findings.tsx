// Findings: the check rules' results with filters (severity and rule on
// the server, free text and subject kind in the page), each with its
// subjects linked to their pages, the evidence and the fix.

import { useEffect, useState } from 'preact/hooks'
import { type FindingsAnswer } from '../api'
import { useApi } from '../hooks'
import { Badge, EntityLink, Status } from '../components/common'
import { href, navigate } from '../router'
import { kindOf } from '../format'
import { rendered } from '../perf'

export function FindingsPage(props: { severity: string; rule: string; q: string; at: string }) {
  const r = useApi<FindingsAnswer>('/findings', { severity: props.severity, rule: props.rule, at: props.at })
  const [text, setText] = useState(props.q)
  const [kind, setKind] = useState('')
  useEffect(() => {
    if (r.data && !r.loading) rendered('findings')
  }, [r.data, r.loading])
  const all = r.data?.findings ?? []
  const rules = [...new Set(all.map((f) => f.rule))].sort()
  const kinds = [...new Set(all.flatMap((f) => f.subjects.map(kindOf)))].sort()
  const t = text.trim().toLowerCase()
  const shown = all.filter(
    (f) =>
      (!kind || f.subjects.some((s) => kindOf(s) === kind)) &&
      (!t || [f.message, f.rule, f.fix ?? '', ...f.subjects, ...(f.evidence ?? [])].some((x) => x.toLowerCase().includes(t))),
  )
  const set = (k: string, v: string) => navigate(href('/findings', { severity: props.severity, rule: props.rule, [k]: v || null }))
  return (
    <div class="page" data-testid="findings-page">
      <header class="page-head">
        <h1>Findings</h1>
      </header>
      <form class="impact-form" onSubmit={(e) => e.preventDefault()}>
        <label>
          Severity at least{' '}
          <select value={props.severity} onChange={(e) => set('severity', (e.target as HTMLSelectElement).value)} data-testid="findings-severity">
            <option value="">any</option>
            <option value="critical">critical</option>
            <option value="warning">warning</option>
            <option value="info">info</option>
          </select>
        </label>
        <label>
          Rule{' '}
          <select value={props.rule} onChange={(e) => set('rule', (e.target as HTMLSelectElement).value)} data-testid="findings-rule">
            <option value="">any</option>
            {[...new Set([...rules, props.rule].filter(Boolean))].map((x) => (
              <option value={x}>{x}</option>
            ))}
          </select>
        </label>
        <label>
          About{' '}
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="">anything</option>
            {kinds.map((k) => (
              <option value={k}>{k}</option>
            ))}
          </select>
        </label>
        <input type="search" class="filter" placeholder="Filter text" aria-label="Filter text" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} data-testid="findings-text" />
      </form>
      <Status state={r} what="findings" />
      {r.data && (
        <p class="summary">
          {shown.length} of {all.length} findings
          {r.data.counts &&
            ['critical', 'warning', 'info'].filter((s) => r.data!.counts![s] !== undefined).map((s) => [s, r.data!.counts![s]] as const).map(([s, n]) => (
              <>
                {' '}
                <Badge kind={s}>
                  {n} {s}
                </Badge>
              </>
            ))}
        </p>
      )}
      <ul class="findings" data-testid="findings-list">
        {shown.slice(0, 500).map((f) => (
          <li class={`finding finding-${f.severity}`} data-testid="finding" data-rule={f.rule}>
            <div class="finding-head">
              <Badge kind={f.severity} /> <code>{f.rule}</code> {f.message}
            </div>
            <div class="finding-subjects">
              {f.subjects.map((s) => (
                <span>
                  <EntityLink id={s} />{' '}
                </span>
              ))}
            </div>
            {f.fix && <div class="finding-fix">Fix: {f.fix}</div>}
            {f.evidence?.length ? (
              <details>
                <summary>Evidence ({f.evidence.length})</summary>
                <ul>
                  {f.evidence.map((e) => (
                    <li>{e}</li>
                  ))}
                </ul>
              </details>
            ) : null}
          </li>
        ))}
      </ul>
      {shown.length > 500 && <p class="muted">The first 500 are shown: filter to see others.</p>}
    </div>
  )
}
