// The vnetmap web UI: an app shell (navigation, search, time control) and
// one view per route. Everything it shows comes from the REST API of the
// binary that serves it.

import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import './style.css'
import { installLinkHandler, keepAt, navigate, useLocation } from './router'
import { Search } from './components/Search'
import { TimeControl } from './components/TimeControl'
import { HomePage, WherePage } from './pages/Home'
import { VMPage } from './pages/VM'
import { HostPage } from './pages/Host'
import { SwitchPage } from './pages/Switch'
import { ApplicationPage } from './pages/Application'
import { ImpactPage } from './pages/Impact'
import { TopologyPage } from './pages/Topology'
import { DiffPage } from './pages/Diff'
import { FindingsPage } from './pages/Findings'
import { FlowsPage } from './pages/Flows'
import { VLANPage } from './pages/VLAN'
import { PortgroupPage } from './pages/Portgroup'
import { MACPage, PortHistoryPage } from './pages/History'
import { splitPortPath } from './vlanapi'

const nav: [string, string, string][] = [
  ['/topology', 'Topology', 't'],
  ['/impact', 'Impact', 'i'],
  ['/findings', 'Findings', 'f'],
  ['/diff', 'Changes', 'c'],
  ['/flows', 'Flows', 'w'],
]

function segment(path: string, prefix: string): string | null {
  if (!path.startsWith(prefix)) return null
  const rest = path.slice(prefix.length)
  if (!rest) return null
  try {
    return decodeURIComponent(rest)
  } catch {
    return rest
  }
}

function View() {
  const { path, query } = useLocation()
  const at = query.get('at') ?? ''
  let v: string | null
  if ((v = segment(path, '/vm/')) !== null) return <VMPage vm={v} at={at} />
  if ((v = segment(path, '/host/')) !== null) return <HostPage host={v} at={at} />
  if ((v = segment(path, '/switch/')) !== null) return <SwitchPage sw={v} port={query.get('port') ?? ''} at={at} />
  if ((v = segment(path, '/application/')) !== null) return <ApplicationPage app={v} at={at} />
  if ((v = segment(path, '/where/')) !== null) return <WherePage x={v} at={at} />
  if ((v = segment(path, '/vlan/')) !== null) return <VLANPage vid={v} at={at} />
  if ((v = segment(path, '/portgroup/')) !== null) return <PortgroupPage name={v} at={at} />
  if ((v = segment(path, '/mac/')) !== null) return <MACPage mac={v} offset={query.get('offset') ?? ''} at={at} />
  if ((v = segment(path, '/history/port/')) !== null) {
    const [sw, port] = splitPortPath(v)
    return <PortHistoryPage sw={sw} port={port} offset={query.get('offset') ?? ''} at={at} />
  }
  switch (path) {
    case '/':
      return <HomePage at={at} />
    case '/impact':
      return <ImpactPage target={query.get('target') ?? ''} at={at} />
    case '/topology':
      return <TopologyPage group={query.get('group') ?? ''} expand={query.getAll('expand')} at={at} />
    case '/diff':
      return <DiffPage from={query.get('from') ?? ''} to={query.get('to') ?? ''} />
    case '/findings':
      return <FindingsPage severity={query.get('severity') ?? ''} rule={query.get('rule') ?? ''} q={query.get('q') ?? ''} at={at} />
    case '/flows':
      return <FlowsPage target={query.get('target') ?? ''} from={query.get('from') ?? ''} to={query.get('to') ?? ''} />
  }
  return (
    <div class="page">
      <h1>Not found</h1>
      <p>
        No view at {path}. <a href="/">Home</a>
      </p>
    </div>
  )
}

function Help(props: { onClose: () => void }) {
  return (
    <div class="help" role="dialog" aria-label="Keyboard shortcuts" onClick={props.onClose}>
      <div class="help-box">
        <h2>Keyboard</h2>
        <dl class="kv">
          <dt>/</dt>
          <dd>search</dd>
          {nav.map(([, label, k]) => (
            <>
              <dt>{k}</dt>
              <dd>{label}</dd>
            </>
          ))}
          <dt>h</dt>
          <dd>home</dd>
          <dt>n</dt>
          <dd>back to now (live)</dd>
          <dt>?</dt>
          <dd>this help</dd>
        </dl>
        <p class="muted">In the topology: arrows move, E expands, Enter opens, 0 fits, + and − zoom.</p>
      </div>
    </div>
  )
}

function App() {
  const { path, query } = useLocation()
  const [help, setHelp] = useState(false)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement
      if (e.ctrlKey || e.metaKey || e.altKey || t.closest('input, select, textarea, [role="application"]')) return
      if (e.key === '/') {
        e.preventDefault()
        const box = document.querySelector<HTMLInputElement>('header.top .search-input') ?? document.querySelector<HTMLInputElement>('.search-input')
        box?.focus()
      } else if (e.key === '?') setHelp((h) => !h)
      else if (e.key === 'Escape') setHelp(false)
      else if (e.key === 'h') navigate(keepAt('/'))
      else if (e.key === 'n') {
        const q = new URLSearchParams(window.location.search)
        q.delete('at')
        navigate(window.location.pathname + (q.toString() ? '?' + q : ''))
      } else {
        const n = nav.find(([, , k]) => k === e.key)
        if (n) navigate(keepAt(n[0]))
      }
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [])
  const at = query.get('at')
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class={`top ${at ? 'top-past' : ''}`}>
        <a href={keepAt('/')} class="brand">
          vnetmap
        </a>
        <nav aria-label="Views">
          {nav.map(([to, label, k]) => (
            <a href={keepAt(to)} class={path === to ? 'on' : ''} aria-current={path === to ? 'page' : undefined} aria-keyshortcuts={k}>
              {label}
            </a>
          ))}
        </nav>
        {path !== '/' && <Search />}
        <TimeControl />
        <button type="button" class="help-button" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
          ?
        </button>
      </header>
      <main id="main">
        <View />
      </main>
      {help && <Help onClose={() => setHelp(false)} />}
    </>
  )
}

installLinkHandler()
render(<App />, document.getElementById('app')!)
