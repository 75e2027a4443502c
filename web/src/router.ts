// A small history-API router: the location is the state of the UI (page,
// its arguments and the ?at= moment), so every view can be bookmarked,
// shared and navigated with the browser's back and forward.

import { useEffect, useState } from 'preact/hooks'
import { routeStarted } from './perf'

export interface Loc {
  path: string
  query: URLSearchParams
}

type Listener = (l: Loc) => void
const listeners = new Set<Listener>()

function current(): Loc {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) }
}

function emit() {
  const l = current()
  routeStarted(l.path)
  listeners.forEach((f) => f(l))
}

window.addEventListener('popstate', emit)

/** navigate goes to an in-app URL (path and query). */
export function navigate(to: string, opts: { replace?: boolean } = {}) {
  const before = window.location.pathname + window.location.search
  if (to === before) return
  if (opts.replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  const samePage = new URL(to, window.location.origin).pathname === window.location.pathname
  if (!samePage) window.scrollTo(0, 0)
  emit()
}

/** useLocation re-renders its component whenever the location changes. */
export function useLocation(): Loc {
  const [loc, setLoc] = useState(current)
  useEffect(() => {
    const f = (l: Loc) => setLoc(l)
    listeners.add(f)
    return () => {
      listeners.delete(f)
    }
  }, [])
  return loc
}

/** at is the moment the UI shows (the ?at= parameter), or '' for now. */
export function currentAt(): string {
  return new URLSearchParams(window.location.search).get('at') ?? ''
}

/**
 * href builds an in-app link to path with params, keeping the moment the
 * UI shows (?at=) unless params set it (null removes it).
 */
export function href(path: string, params: Record<string, string | string[] | null | undefined> = {}): string {
  const q = new URLSearchParams()
  const at = currentAt()
  if (at && !('at' in params)) q.set('at', at)
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x))
    else q.set(k, v)
  }
  const s = q.toString()
  return path + (s ? '?' + s : '')
}

/**
 * onLinkClick makes plain <a href="/..."> links navigate in-app: a click
 * without modifier keys on a same-origin link is handled by the router.
 */
export function installLinkHandler() {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    const a = (e.target as Element | null)?.closest?.('a')
    if (!a || a.target || a.hasAttribute('download')) return
    const h = a.getAttribute('href')
    if (!h || !h.startsWith('/') || h.startsWith('//') || h.startsWith('/api/')) return
    e.preventDefault()
    navigate(h)
  })
}

/** keepAt adds the moment the UI shows (?at=) to an in-app URL that has none. */
export function keepAt(u: string): string {
  const at = currentAt()
  if (!at) return u
  const url = new URL(u, window.location.origin)
  if (!url.searchParams.has('at')) url.searchParams.set('at', at)
  return url.pathname + url.search
}
