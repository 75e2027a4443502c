// Flows as an application dependency graph: who talks to whom over a time
// window (the estate between applications, or one application's or VM's
// peers), one edge per client → server conversation with its service ports,
// sized by bytes, in layers from clients to servers (the top edges,
// applications first), and the traffic that has a side that is no VM.

import { useEffect, useRef, useState } from 'preact/hooks'
import type { Core } from 'cytoscape'
import { enc, type DepsAnswer, type FlowNode } from '../api'
import { useApi } from '../hooks'
import { A, Badge, Section, Status } from '../components/common'
import { href, navigate, keepAt } from '../router'
import { bytes, fmtTime, fromLocalInput, localInput } from '../format'
import { rendered } from '../perf'
import { loadCytoscape } from '../lazy'
import { flowGraph, nodeId } from '../flowgraph'

function nodeName(n: FlowNode): string {
  return n.name || n.kind
}

function nodeLink(n: FlowNode): string | null {
  if (n.kind === 'application' && n.name) return `/application/${enc(n.name.split(',')[0])}`
  if (n.kind === 'vm' && n.vm) return `/vm/${enc(n.vm.replace(/^vm:/, ''))}`
  return null
}

const protoNames: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' }

/** FlowTable lists the edges of a dependency answer, largest first. */
export function FlowTable(props: { deps: DepsAnswer }) {
  const d = props.deps
  if (d.edges.length === 0) return <p class="muted">No flows between {fmtTime(d.from)} and {fmtTime(d.to)}.</p>
  return (
    <table class="table" data-testid="flow-table">
      <thead>
        <tr>
          <th>Client</th>
          <th>Server</th>
          <th class="num">Bytes (both ways)</th>
          <th class="num">Flows</th>
          <th>Service ports</th>
        </tr>
      </thead>
      <tbody>
        {d.edges.slice(0, 200).map((e) => (
          <tr>
            <td>{nodeLink(e.src) ? <A to={nodeLink(e.src)!}>{nodeName(e.src)}</A> : <Badge kind="group">{nodeName(e.src)}</Badge>}</td>
            <td>{nodeLink(e.dst) ? <A to={nodeLink(e.dst)!}>{nodeName(e.dst)}</A> : <Badge kind="group">{nodeName(e.dst)}</Badge>}</td>
            <td class="num">{bytes(e.bytes)}</td>
            <td class="num">{e.flows}</td>
            <td class="small">{(e.top_ports ?? []).map((p) => `${protoNames[p.proto] ?? p.proto}/${p.dst_port}`).join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function FlowsPage(props: { target: string; from: string; to: string }) {
  // Without ?from= the server takes the hour before ?to= (or now).
  const r = useApi<DepsAnswer>('/flows/deps', { target: props.target, from: props.from, to: props.to })
  useEffect(() => void loadCytoscape(), [])
  const box = useRef<HTMLDivElement>(null)
  const cy = useRef<Core | null>(null)
  const [target, setTarget] = useState(props.target)
  const [f, setF] = useState(props.from ? localInput(props.from) : '')
  const [t, setT] = useState(props.to ? localInput(props.to) : '')
  const [top, setTop] = useState(30)
  const [omitted, setOmitted] = useState(0)
  useEffect(() => setTarget(props.target), [props.target])
  const d = r.data
  useEffect(() => {
    if (d && !props.from) setF(localInput(d.from))
  }, [d, props.from])

  useEffect(() => {
    if (!d || r.loading || !box.current) return
    let cancelled = false
    loadCytoscape().then(({ default: cytoscape }) => {
      if (cancelled || !box.current) return
      const g = flowGraph(d.edges, top)
      setOmitted(g.omitted)
      box.current.dataset.layers = String(new Set(g.nodes.map((n) => n.layer)).size)
      const max = Math.max(1, ...g.edges.map((e) => e.bytes))
      cy.current?.destroy()
      cy.current = cytoscape({
        container: box.current,
        elements: [
          ...g.nodes.map((n) => ({
            data: { id: n.id, label: nodeName(n.node), app: n.node.kind === 'application' || n.node.kind === 'vm' ? 1 : 0, layer: n.layer, link: nodeLink(n.node) ?? '' },
            position: { x: n.x, y: n.y },
          })),
          ...g.edges.map((e, i) => ({
            data: {
              id: `e${i}`,
              source: nodeId(e.src),
              target: nodeId(e.dst),
              width: 1 + 9 * Math.sqrt(e.bytes / max),
              label: `${bytes(e.bytes)}${e.top_ports?.length ? ' · ' + e.top_ports.slice(0, 2).map((p) => `${protoNames[p.proto] ?? p.proto}/${p.dst_port}`).join(' ') : ''}`,
            },
          })),
        ],
        layout: { name: 'preset', padding: 40 },
        minZoom: 0.1,
        maxZoom: 3,
        style: [
          { selector: 'node', style: { label: 'data(label)', 'background-color': '#8c959f', width: 28, height: 28, 'font-size': 12, 'text-valign': 'bottom', 'text-margin-y': 4 } },
          { selector: 'node[app = 1]', style: { 'background-color': '#cf222e' } },
          {
            selector: 'edge',
            style: {
              width: 'data(width)',
              'line-color': '#8c959f',
              'target-arrow-shape': 'triangle',
              'target-arrow-color': '#8c959f',
              'curve-style': 'bezier',
              label: 'data(label)',
              'font-size': 9,
              'text-rotation': 'autorotate',
              color: '#57606a',
              'min-zoomed-font-size': 8,
              opacity: 0.85,
            },
          },
        ],
      })
      cy.current.on('dbltap', 'node', (ev) => {
        const l = ev.target.data('link') as string
        if (l) navigate(keepAt(l))
      })
      cy.current.one('render', () => rendered('flows'))
    })
    return () => {
      cancelled = true
    }
  }, [d, r.loading, top])
  useEffect(() => () => cy.current?.destroy(), [])

  const submit = (e: Event) => {
    e.preventDefault()
    navigate(href('/flows', { target: target.trim() || null, from: fromLocalInput(f) || null, to: fromLocalInput(t) || null }))
  }
  const unavailable = r.error && (r.error as { status?: number }).status === 404 && /no such endpoint/.test(r.error.message)
  return (
    <div class="page page-wide" data-testid="flows-page">
      <header class="page-head">
        <h1>Flows</h1>
      </header>
      <form class="impact-form" onSubmit={submit}>
        <label>
          Of <input type="text" placeholder="the whole estate, or app:NAME, or a VM" value={target} onInput={(e) => setTarget((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          from <input type="datetime-local" value={f} onInput={(e) => setF((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          to <input type="datetime-local" value={t} onInput={(e) => setT((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Show</button>
      </form>
      {unavailable ? <p class="warn">This vnetmap serves no flow data (no flows API).</p> : <Status state={r} what="flows" />}
      {d && (
        <>
          <p class="summary">
            {fmtTime(d.from)} – {fmtTime(d.to)}: {bytes(d.total.bytes)} in {d.total.flows} flows, {bytes(d.attributed.bytes)} between VMs.
            {d.edges_omitted ? ` ${d.edges_omitted} smaller edges left out.` : ''}
            <span class="muted"> Clients on the left, the servers they use to the right; double-click a node to open it.</span>
          </p>
          {d.edges.length > 0 && (
            <p class="small" data-testid="flows-top">
              Graph of the{' '}
              <select value={top} onChange={(e) => setTop(Number((e.target as HTMLSelectElement).value))}>
                {[10, 30, 100].map((n) => (
                  <option value={n}>{n}</option>
                ))}
              </select>{' '}
              largest conversations, between applications first{omitted > 0 ? ` (${omitted} more in the table)` : ''}.
            </p>
          )}
          <div class="flow-canvas" ref={box} data-testid="flows-canvas" hidden={d.edges.length === 0} />
          <Section title="Dependencies">
            <FlowTable deps={d} />
          </Section>
          {d.unattributed?.length ? (
            <Section title="Traffic with a side that is no VM">
              <table class="table">
                <tbody>
                  {d.unattributed.map((u) => (
                    <tr>
                      <td>
                        <Badge kind="group">{u.class}</Badge>
                      </td>
                      <td class="num">{bytes(u.bytes)}</td>
                      <td class="small">{(u.top_addrs ?? []).map((a) => a.addr).join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
          ) : null}
        </>
      )}
    </div>
  )
}
