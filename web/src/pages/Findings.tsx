// Findings: the check rules' results with filters (severity and rule on
// the server, free text and subject kind in the page), each with its
// subjects named and linked to their pages, when it was first seen, the
// evidence and the fix; an operator signed in with a token acknowledges
// them.

import { useEffect, useState } from 'preact/hooks'
import { enc, post, type Ack, type Finding, type FindingsAnswer } from '../api'
import { useApi } from '../hooks'
import { Badge, EntityLink, Status } from '../components/common'
import { SignIn, useSession } from '../components/Session'
import { href, navigate } from '../router'
import { duration, fmtTime, kindOf } from '../format'
import { rendered } from '../perf'

export function FindingsPage(props: { severity: string; rule: string; q: string; at: string }) {
  const session = useSession()
  const r = useApi<FindingsAnswer>('/findings', { severity: props.severity, rule: props.rule, at: props.at })
  const [text, setText] = useState(props.q)
  const [kind, setKind] = useState('')
  const [hideAcked, setHideAcked] = useState(false)
  // Acknowledgements made in this page since the answer came.
  const [acked, setAcked] = useState<Record<string, Ack>>({})
  const names = r.data?.names ?? {}
  const ackOf = (f: Finding) => acked[f.id] ?? r.data?.acknowledged?.[f.id]
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
      (!hideAcked || !ackOf(f)) &&
      (!t ||
        [f.message, f.rule, f.fix ?? '', ...f.subjects, ...f.subjects.map((s) => names[s] ?? ''), ...(f.evidence ?? [])].some((x) =>
          x.toLowerCase().includes(t),
        )),
  )
  const set = (k: string, v: string) => navigate(href('/findings', { severity: props.severity, rule: props.rule, [k]: v || null }))
  return (
    <div class="page" data-testid="findings-page">
      <header class="page-head">
        <h1>Findings</h1>
        <SignIn session={session} />
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
        <label>
          <input type="checkbox" checked={hideAcked} onChange={(e) => setHideAcked((e.target as HTMLInputElement).checked)} data-testid="findings-hide-acked" /> hide
          acknowledged
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
          <li class={`finding finding-${f.severity}`} data-testid="finding" data-rule={f.rule} data-id={f.id}>
            <div class="finding-head">
              <Badge kind={f.severity} /> <code>{f.rule}</code> {f.message}
            </div>
            <div class="finding-subjects">
              {f.subjects.map((s) => (
                <span>
                  <EntityLink id={s} label={names[s] ? `${kindOf(s)} ${names[s]}` : undefined} />{' '}
                </span>
              ))}
            </div>
            <FindingSeen f={f} answer={r.data!} />
            {f.fix && <div class="finding-fix">Fix: {f.fix}</div>}
            <Acknowledgement
              f={f}
              ack={ackOf(f)}
              operator={session.operator && !props.at}
              onAcked={(a) => setAcked((m) => ({ ...m, [f.id]: a }))}
            />
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

/** FindingSeen says since when serve's checks have seen the finding. */
function FindingSeen(props: { f: Finding; answer: FindingsAnswer }) {
  const seen = props.answer.seen?.[props.f.id]
  if (!seen) return <div class="finding-seen muted" data-testid="finding-seen">not seen by serve's checks yet</div>
  return (
    <div class="finding-seen muted" data-testid="finding-seen" data-first={seen.first_seen} title={`last seen ${fmtTime(seen.last_seen)}`}>
      First seen {fmtTime(seen.first_seen)} {duration(seen.first_seen) ? ` (${duration(seen.first_seen)} ago)` : ''}
    </div>
  )
}

/**
 * Acknowledgement shows who acknowledged the finding, and for an operator
 * of the map of now a button that acknowledges it, with a comment.
 */
function Acknowledgement(props: { f: Finding; ack?: Ack; operator: boolean; onAcked: (a: Ack) => void }) {
  const [open, setOpen] = useState(false)
  const [comment, setComment] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const { f, ack } = props
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      const [rule, digest] = f.id.split('/', 2)
      props.onAcked(await post<Ack>(`/findings/${enc(rule)}/${enc(digest)}/ack`, { comment: comment.trim() }))
      setOpen(false)
      setComment('')
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class="finding-ack">
      {ack && (
        <div data-testid="finding-acked" data-by={ack.by}>
          <Badge kind="acknowledged">acknowledged</Badge> by {ack.by} at {fmtTime(ack.at)}
          {ack.comment ? `: ${ack.comment}` : ''}
        </div>
      )}
      {props.operator && !open && (
        <button type="button" class="link-button" onClick={() => setOpen(true)} data-testid="finding-ack">
          {ack ? 'Acknowledge again' : 'Acknowledge'}
        </button>
      )}
      {props.operator && open && (
        <form onSubmit={submit} class="ack-form">
          <input
            type="text"
            maxLength={2000}
            placeholder="Comment (why, ticket…)"
            aria-label="Comment"
            value={comment}
            onInput={(e) => setComment((e.target as HTMLInputElement).value)}
            data-testid="finding-ack-comment"
          />{' '}
          <button type="submit" disabled={busy} data-testid="finding-ack-submit">
            Acknowledge
          </button>{' '}
          <button type="button" class="link-button" onClick={() => setOpen(false)}>
            Cancel
          </button>
          {error && (
            <div class="error" role="alert">
              {error}
            </div>
          )}
        </form>
      )}
    </div>
  )
}
