// The changes between two moments: migrations in time order with when and
// who, entities added, removed and changed (attribute by attribute), and the
// relation changes summarized per VM and entity, the switches' forwarding
// and ARP tables apart (folded: they change all the time), every change
// listed on demand; a warning when the start is before the first data.

import { useEffect, useMemo, useState } from 'preact/hooks'
import { enc, type ChurnGroup, type DiffAnswer, type EntityChange } from '../api'
import { useApi } from '../hooks'
import { A, Badge, EntityLink, Section, Status } from '../components/common'
import { href, navigate } from '../router'
import { ago, fmtTime, fromLocalInput, localInput } from '../format'
import { rendered } from '../perf'

const MAX = 200

export function DiffPage(props: { from: string; to: string }) {
  // The default (a day ago) is fixed when the view opens, not at each render.
  const from = useMemo(() => props.from || ago(86400e3), [props.from])
  const [f, setF] = useState(localInput(from))
  const [t, setT] = useState(props.to ? localInput(props.to) : '')
  useEffect(() => {
    setF(localInput(from))
    setT(props.to ? localInput(props.to) : '')
  }, [props.from, props.to])
  const d = useApi<DiffAnswer>('/diff', { from, to: props.to })
  useEffect(() => {
    if (d.data && !d.loading) rendered('diff')
  }, [d.data, d.loading])
  const submit = (e: Event) => {
    e.preventDefault()
    const ff = fromLocalInput(f)
    if (ff) navigate(href('/diff', { from: ff, to: fromLocalInput(t) || null, at: null }))
  }
  const x = d.data
  return (
    <div class="page" data-testid="diff-page">
      <header class="page-head">
        <h1>Changes</h1>
      </header>
      <form class="impact-form" onSubmit={submit}>
        <label>
          From <input type="datetime-local" value={f} data-testid="diff-from" onInput={(e) => setF((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          to <input type="datetime-local" value={t} data-testid="diff-to" onInput={(e) => setT((e.target as HTMLInputElement).value)} />
        </label>
        <span class="muted small">(empty: now)</span>
        <button type="submit">Compare</button>
        {[
          ['last hour', 3600e3],
          ['last day', 86400e3],
          ['last week', 7 * 86400e3],
        ].map(([label, ms]) => (
          <button type="button" class="preset" onClick={() => navigate(href('/diff', { from: ago(ms as number), at: null }))}>
            {label}
          </button>
        ))}
      </form>
      <Status state={d} what="the changes" />
      {x && (
        <>
          <p class="summary">
            From {fmtTime(x.from)} to {fmtTime(x.to)}: {x.migrations.length} migrations, {x.added.length} added, {x.removed.length} removed, {x.changed.length} changed,{' '}
            {x.relations.length} relations.
          </p>
          {(x.warnings ?? []).map((w) => (
            <p class="warn" data-testid="diff-warning">
              {w}
            </p>
          ))}
          <Section title={`Migrations (${x.migrations.length})`}>
            {x.migrations.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <table class="table" data-testid="diff-migrations">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>VM</th>
                    <th>From host</th>
                    <th>To host</th>
                    <th>By</th>
                  </tr>
                </thead>
                <tbody>
                  {(x.moves ?? x.migrations).map((m: NonNullable<DiffAnswer['moves']>[number]) => (
                    <tr>
                      <td class="small">{m.at ? fmtTime(m.at) : '–'}</td>
                      <td>
                        <A to={`/vm/${enc(m.vm.replace(/^vm:/, ''))}`}>{m.name}</A>
                      </td>
                      <td>
                        <A to={`/host/${enc(m.from_host)}`}>{m.from_host}</A>
                      </td>
                      <td>
                        <A to={`/host/${enc(m.to_host)}`}>{m.to_host}</A>
                      </td>
                      <td class="small" title={m.message}>
                        {m.user || '–'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
          <Changes title="Added" list={x.added} />
          <Changes title="Removed" list={x.removed} />
          <Changes title="Changed" list={x.changed} />
          <Section title={`Relations (${x.relations.length})`}>
            <Churn groups={(x.churn ?? []).filter((c) => c.kind !== 'switch')} testid="diff-churn" />
            {(x.churn ?? []).some((c) => c.kind === 'switch') && (
              <details data-testid="diff-churn-switches">
                <summary>
                  Forwarding and ARP tables: {(x.churn ?? []).filter((c) => c.kind === 'switch').reduce((n, c) => n + c.added + c.removed, 0)} changes on{' '}
                  {(x.churn ?? []).filter((c) => c.kind === 'switch').length} switches
                </summary>
                <Churn groups={(x.churn ?? []).filter((c) => c.kind === 'switch')} />
              </details>
            )}
            <details>
              <summary>Every relation change ({x.relations.length})</summary>
              <Limited n={x.relations.length}>
                {(n) => (
                  <table class="table small">
                    <tbody>
                      {x.relations.slice(0, n).map((r) => (
                        <tr>
                          <td>
                            <Badge kind={r.change === 'added' ? 'added' : 'removed'}>{r.change}</Badge>
                          </td>
                          <td>
                            <EntityLink id={r.from} />
                          </td>
                          <td class="muted">{r.rel}</td>
                          <td>
                            <EntityLink id={r.to} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Limited>
            </details>
          </Section>
        </>
      )}
    </div>
  )
}

function Limited(props: { n: number; children: (n: number) => preact.ComponentChildren }) {
  const [all, setAll] = useState(false)
  const n = all ? props.n : Math.min(props.n, MAX)
  return (
    <>
      {props.children(n)}
      {n < props.n && (
        <button type="button" class="link-button" onClick={() => setAll(true)}>
          Show all {props.n}
        </button>
      )}
    </>
  )
}

function Changes(props: { title: string; list: EntityChange[] }) {
  return (
    <Section title={`${props.title} (${props.list.length})`}>
      {props.list.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <Limited n={props.list.length}>
          {(n) => (
            <table class="table small">
              <tbody>
                {props.list.slice(0, n).map((c) => (
                  <tr>
                    <td>
                      <Badge kind={c.kind} />
                    </td>
                    <td>
                      <EntityLink id={c.id} label={c.name || c.id} />
                    </td>
                    <td>
                      {c.attrs &&
                        Object.entries(c.attrs).map(([k, [a, b]]) => (
                          <div>
                            <code>{k}</code>: <del>{a || '∅'}</del> → <ins>{b || '∅'}</ins>
                          </div>
                        ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Limited>
      )}
    </Section>
  )
}

function Churn(props: { groups: ChurnGroup[]; testid?: string }) {
  if (props.groups.length === 0) return null
  return (
    <Limited n={props.groups.length}>
      {(n) => (
        <table class="table small" data-testid={props.testid}>
          <tbody>
            {props.groups.slice(0, n).map((c) => (
              <tr>
                <td>
                  <Badge kind={c.kind === 'other' ? c.id.split(':')[0] : c.kind} />
                </td>
                <td>
                  <EntityLink id={c.id} label={c.name} />
                </td>
                <td class="num">
                  +{c.added} −{c.removed}
                </td>
                <td class="muted">
                  {Object.entries(c.rels)
                    .map(([rel, [a, r]]) => `${rel} +${a} −${r}`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Limited>
  )
}
