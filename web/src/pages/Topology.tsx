// The topology view: the map grouped by cluster, application or switch,
// groups expanded on demand (double-click, or E), drawn on a canvas with
// pan and zoom. The server bounds what it returns (3,000 nodes), the
// layout is one pass, so a 10,000-VM estate opens as a few dozen groups
// and never hangs the browser. The expanded groups are in the URL.

import { useEffect, useRef, useState } from 'preact/hooks'
import type { Core, ElementDefinition } from 'cytoscape'
import { type FindingsAnswer, type TopoNode, type TopologyAnswer } from '../api'
import { useApi } from '../hooks'
import { A, Badge, Status } from '../components/common'
import { href, keepAt, navigate } from '../router'
import { labelShown, labelStyles, layout, nodeLabel, nodeSize } from '../topo'
import { rendered } from '../perf'
import { loadCytoscape } from '../lazy'
import { worstBySubject } from '../verdicts'

const groups: [string, string][] = [
  ['cluster', 'Cluster'],
  ['application', 'Application'],
  ['switch', 'Switch (rack)'],
]

const colors: Record<string, string> = {
  switch: '#1f6feb',
  cluster: '#8250df',
  datacenter: '#8250df',
  rack: '#8250df',
  host: '#1a7f37',
  vm: '#bf8700',
  application: '#cf222e',
  appcluster: '#e16f24',
  group: '#6e7781',
}

function pageURL(n: TopoNode): string | null {
  if (!n.page || !n.key) return null
  return keepAt(`/${n.page}/${encodeURIComponent(n.key)}`)
}

export function TopologyPage(props: { group: string; expand: string[]; at: string }) {
  const group = props.group || 'cluster'
  const t = useApi<TopologyAnswer>('/topology', { group, expand: props.expand, at: props.at })
  useEffect(() => void loadCytoscape(), [])
  const box = useRef<HTMLDivElement>(null)
  const cy = useRef<Core | null>(null)
  const [selected, setSelected] = useState<TopoNode | null>(null)
  const [filter, setFilter] = useState('')
  const data = t.data
  // Open findings mark the nodes they are about (their worst severity).
  const findings = useApi<FindingsAnswer>('/findings', { at: props.at })
  const sev = worstBySubject(findings.data?.findings)
  const flagged = (data?.nodes ?? []).filter((n) => sev.has(n.id))
  const sevRef = useRef(sev)
  sevRef.current = sev
  useEffect(() => {
    cy.current?.nodes().forEach((n) => void n.data('sev', sevRef.current.get(n.id()) ?? ''))
  }, [findings.data])

  const go = (expand: string[], replace = false) => navigate(href('/topology', { group, expand }), { replace })
  const toggle = (n: TopoNode) => {
    const ex = data?.expanded ?? props.expand
    if (ex.includes(n.id)) go(ex.filter((x) => x !== n.id))
    else if (n.expandable) go([...ex, n.id])
    else if (n.parent && ex.includes(n.parent)) go(ex.filter((x) => x !== n.parent))
  }
  const toggleRef = useRef(toggle)
  toggleRef.current = toggle

  useEffect(() => {
    if (!data || t.loading || !box.current) return
    // The server's answer says which expansions took effect: keep the URL to them.
    if (data.expanded.join('\n') !== props.expand.join('\n')) go(data.expanded, true)
    let cancelled = false
    loadCytoscape().then(({ default: cytoscape }) => {
      if (cancelled || !box.current) return
      const pos = layout(data.nodes, data.edges)
      const big = data.nodes.length > 800
      const els: ElementDefinition[] = [
        ...data.nodes.map((n) => ({
          group: 'nodes' as const,
          data: { id: n.id, label: nodeLabel(n), kind: n.kind, size: nodeSize(n), color: colors[n.kind] ?? '#6e7781', off: n.state && n.state !== 'poweredOn' && n.state !== 'connected' ? 1 : 0, exp: n.expandable ? 1 : 0, sev: sevRef.current.get(n.id) ?? '' },
          position: { x: pos.get(n.id)!.x, y: pos.get(n.id)!.y },
        })),
        ...data.edges.map((e, i) => ({
          group: 'edges' as const,
          data: { id: `e${i}`, source: e.source, target: e.target, kind: e.kind, links: e.links, width: Math.min(8, 1 + Math.log2(e.links)) },
        })),
      ]
      cy.current?.destroy()
      const c = cytoscape({
        container: box.current,
        elements: els,
        layout: { name: 'preset', fit: true, padding: 30 },
        minZoom: 0.02,
        maxZoom: 3,
        wheelSensitivity: 0.3,
        textureOnViewport: big,
        hideEdgesOnViewport: big,
        pixelRatio: big ? 1 : 'auto',
        boxSelectionEnabled: false,
        style: [
          {
            selector: 'node',
            style: {
              width: 'data(size)',
              height: 'data(size)',
              'background-color': 'data(color)',
              label: 'data(label)',
              'text-valign': 'bottom',
              'text-margin-y': 4,
              color: '#24292f',
              'border-width': 0,
            },
          },
          ...labelStyles(),
          { selector: 'node[kind = "switch"]', style: { shape: 'round-rectangle', width: 60, height: 26, 'text-valign': 'center', 'text-margin-y': 0, color: '#fff', 'font-weight': 'bold' } },
          { selector: 'node[kind = "vm"]', style: { shape: 'ellipse' } },
          { selector: 'node[kind != "vm"][kind != "host"][kind != "switch"]', style: { 'font-weight': 'bold' } },
          { selector: 'node[exp = 1]', style: { 'border-width': 3, 'border-color': '#d0d7de', 'border-style': 'double' } },
          { selector: 'node[off = 1]', style: { 'background-opacity': 0.35, 'border-width': 2, 'border-style': 'dashed', 'border-color': '#cf222e' } },
          { selector: 'node[sev = "critical"]', style: { 'border-width': 4, 'border-color': '#cf222e', 'border-style': 'solid' } },
          { selector: 'node[sev = "warning"]', style: { 'border-width': 3, 'border-color': '#d4a72c', 'border-style': 'solid' } },
          { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#0969da', 'border-style': 'solid' } },
          { selector: 'edge', style: { width: 'data(width)', 'line-color': '#afb8c1', 'curve-style': 'straight', opacity: 0.8 } },
          { selector: 'edge[kind = "isl"]', style: { 'line-color': '#1f6feb' } },
          { selector: 'edge[kind = "placement"]', style: { 'line-color': '#d4a72c', 'line-style': 'dashed', opacity: 0.6 } },
        ],
      })
      cy.current = c
      const byId = new Map(data.nodes.map((n) => [n.id, n]))
      c.on('tap', 'node', (ev) => setSelected(byId.get(ev.target.id()) ?? null))
      c.on('tap', (ev) => {
        if (ev.target === c) setSelected(null)
      })
      c.on('dbltap', 'node', (ev) => {
        const n = byId.get(ev.target.id())
        if (n) toggleRef.current(n)
      })
      // The level of detail in effect, for whoever reads the page (and the tests).
      const lod = () => {
        if (!box.current) return
        box.current.dataset.zoom = c.zoom().toFixed(3)
        box.current.dataset.vmLabels = labelShown('vm', c.zoom()) ? 'shown' : 'hidden'
      }
      c.on('zoom', lod)
      lod()
      c.one('render', () => rendered('topology'))
      setSelected((s) => (s && byId.get(s.id)) || null)
    })
    return () => {
      cancelled = true
    }
  }, [data, t.loading])

  useEffect(() => () => cy.current?.destroy(), [])

  useEffect(() => {
    const c = cy.current
    if (!c) return
    c.nodes(':selected').unselect()
    if (selected) c.getElementById(selected.id).select()
  }, [selected])

  // Keyboard: arrows move the selection, E expands or collapses, Enter opens
  // the page, 0 fits, + and - zoom.
  const onKey = (e: KeyboardEvent) => {
    const c = cy.current
    if (!c || !data) return
    const byId = new Map(data.nodes.map((n) => [n.id, n]))
    if (e.key === '0') c.fit(undefined, 30)
    else if (e.key === '+' || e.key === '=') c.zoom({ level: c.zoom() * 1.3, renderedPosition: { x: c.width() / 2, y: c.height() / 2 } })
    else if (e.key === '-') c.zoom({ level: c.zoom() / 1.3, renderedPosition: { x: c.width() / 2, y: c.height() / 2 } })
    else if ((e.key === 'e' || e.key === ' ') && selected) toggle(selected)
    else if (e.key === 'Enter' && selected) {
      const u = pageURL(selected)
      if (u) navigate(u)
    } else if (e.key.startsWith('Arrow')) {
      e.preventDefault()
      const from = selected ? c.getElementById(selected.id).position() : null
      let best: string | null = null
      let bestD = Infinity
      c.nodes().forEach((n) => {
        const p = n.position()
        if (!from) {
          if (p.y < bestD) ((bestD = p.y), (best = n.id()))
          return
        }
        const dx = p.x - from.x
        const dy = p.y - from.y
        const ok = e.key === 'ArrowRight' ? dx > 1 && Math.abs(dy) < 1 : e.key === 'ArrowLeft' ? dx < -1 && Math.abs(dy) < 1 : e.key === 'ArrowDown' ? dy > 1 : dy < -1
        const d = Math.abs(dx) + Math.abs(dy) * 2
        if (ok && d < bestD) ((bestD = d), (best = n.id()))
      })
      if (best) {
        setSelected(byId.get(best) ?? null)
        c.animate({ center: { eles: c.getElementById(best) } }, { duration: 150 })
      }
    } else return
    e.preventDefault()
  }

  const f = filter.trim().toLowerCase()
  const list = (data?.nodes ?? []).filter((n) => !f || n.label.toLowerCase().includes(f)).slice(0, 200)
  return (
    <div class="page page-wide" data-testid="topology-page">
      <header class="page-head">
        <h1>Topology</h1>
        <div class="page-actions" role="group" aria-label="Group by">
          {groups.map(([g, label]) => (
            <a href={href('/topology', { group: g })} class={`tab ${g === group ? 'tab-on' : ''}`} aria-current={g === group ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </div>
      </header>
      <Status state={t} what="the topology" />
      {data && (
        <p class="summary" data-testid="topology-summary">
          {data.totals.vms} VMs on {data.totals.hosts} hosts, {data.totals.switches} switches — showing {data.nodes.length} nodes, {data.edges.length} links.
          {data.truncated && <Badge kind="warning">some groups left collapsed: too many nodes</Badge>}
          {flagged.length > 0 && (
            <span data-testid="topology-flagged">
              {' '}
              <Badge kind={flagged.some((n) => sev.get(n.id) === 'critical') ? 'critical' : 'warning'}>{flagged.length} nodes with open findings</Badge>
            </span>
          )}
          <span class="muted"> Double-click or E expands a group; arrows move, Enter opens, 0 fits, +/− zoom.</span>
        </p>
      )}
      <div class="topo">
        <div class="topo-canvas" ref={box} tabIndex={0} onKeyDown={onKey} data-testid="topology-canvas" aria-label="Topology graph: use the arrow keys to select a node" role="application" />
        <aside class="topo-side">
          {selected ? (
            <div data-testid="topology-selected">
              <h3>
                <Badge kind={selected.kind} /> {selected.label}
                {sev.has(selected.id) && (
                  <>
                    {' '}
                    <Badge kind={sev.get(selected.id)!}>{sev.get(selected.id)}</Badge>
                  </>
                )}
              </h3>
              <p class="muted">
                {selected.hosts > 0 && `${selected.hosts} hosts `}
                {selected.vms > 0 && `${selected.vms} VMs`}
                {selected.state && ` · ${selected.state}`}
                {selected.role && ` · ${selected.role}`}
              </p>
              <div class="buttons">
                {(selected.expandable || data?.expanded.includes(selected.id)) && (
                  <button type="button" onClick={() => toggle(selected)} data-testid="topology-toggle">
                    {data?.expanded.includes(selected.id) ? 'Collapse' : 'Expand'}
                  </button>
                )}
                {selected.parent && data?.expanded.includes(selected.parent) && (
                  <button type="button" onClick={() => go((data?.expanded ?? []).filter((x) => x !== selected.parent))}>
                    Collapse its group
                  </button>
                )}
                {pageURL(selected) && <A to={pageURL(selected)!}>Open its page</A>}
              </div>
            </div>
          ) : (
            <p class="muted">Select a node.</p>
          )}
          <input class="filter" type="search" placeholder="Find a node" aria-label="Find a node" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
          <ul class="node-list" aria-label="Nodes">
            {list.map((n) => (
              <li>
                <button
                  type="button"
                  class={`link-button ${selected?.id === n.id ? 'on' : ''}`}
                  onClick={() => {
                    setSelected(n)
                    cy.current?.animate({ center: { eles: cy.current.getElementById(n.id) }, zoom: Math.max(cy.current.zoom(), 0.8) }, { duration: 200 })
                  }}
                  onDblClick={() => toggle(n)}
                >
                  <Badge kind={n.kind} /> {n.label}
                  {n.vms > 0 && n.kind !== 'vm' && <span class="count">{n.vms}</span>}
                  {sev.has(n.id) && (
                    <span data-testid="topology-node-finding" data-node={n.id}>
                      {' '}
                      <Badge kind={sev.get(n.id)!}>{sev.get(n.id)}</Badge>
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </div>
  )
}
