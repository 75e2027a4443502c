// Small building blocks shared by the views.

import type { ComponentChildren } from 'preact'
import { keepAt } from '../router'
import { key, kindOf, pageOf } from '../format'
import type { Loaded } from '../hooks'

/** A is an in-app link that keeps the moment the UI shows. */
export function A(props: { to: string; children: ComponentChildren; class?: string; title?: string; testid?: string }) {
  return (
    <a href={keepAt(props.to)} class={props.class} title={props.title} data-testid={props.testid}>
      {props.children}
    </a>
  )
}

/** EntityLink links a model ID to the page that shows it (or shows it as text). */
export function EntityLink(props: { id: string; label?: string }) {
  const to = pageOf(props.id)
  const k = key(props.id)
  const label = props.label ?? `${kindOf(props.id)} ${kindOf(props.id) === 'vm' && k.length > 13 ? k.slice(0, 12) + '…' : k}`
  return to ? <A to={to}>{label}</A> : <span>{label}</span>
}

/** Badge is a small colored label: kind, role, state or severity. */
export function Badge(props: { kind: string; children?: ComponentChildren; title?: string }) {
  return (
    <span class={`badge badge-${props.kind.replace(/[^a-z0-9-]/gi, '')}`} title={props.title}>
      {props.children ?? props.kind}
    </span>
  )
}

/** Status shows loading and errors of a view's data. */
export function Status<T>(props: { state: Loaded<T>; what: string }) {
  const { state } = props
  if (state.error) {
    const status = (state.error as { status?: number }).status
    return (
      <div class="error" role="alert" data-testid="error">
        {status === 404 ? 'Not found: ' : `Could not load ${props.what}: `}
        {state.error.message}
      </div>
    )
  }
  if (state.loading && !state.data) {
    return (
      <div class="loading" aria-live="polite">
        Loading {props.what}…
      </div>
    )
  }
  return null
}

/** Section is a titled block of a page. */
export function Section(props: { title: ComponentChildren; children: ComponentChildren; id?: string; actions?: ComponentChildren }) {
  return (
    <section class="section" id={props.id}>
      <header class="section-head">
        <h2>{props.title}</h2>
        {props.actions && <div class="section-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  )
}

/** KV is a definition list of label/value pairs, skipping empty values. */
export function KV(props: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {props.items
        .filter(([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0))
        .map(([k, v]) => (
          <>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </>
        ))}
    </dl>
  )
}

/** Stale warns that some sources behind an answer failed their last run. */
export function StaleNote(props: { sources?: { name: string; last_error?: string; last_success?: string }[] }) {
  if (!props.sources?.length) return null
  return (
    <div class="warn" role="note">
      Out of date: {props.sources.map((s) => `${s.name}${s.last_error ? ` (${s.last_error})` : ''}`).join(', ')} failed
      its last run; what it said before is shown.
    </div>
  )
}
