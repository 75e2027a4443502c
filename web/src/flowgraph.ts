// The layout of the flows graph: the largest edges (applications and VMs
// first, the classes of what is no VM after them), in layers from clients
// on the left to the servers they depend on to the right.

import type { DepEdge, FlowNode } from './api'

export interface PlacedNode {
  id: string
  node: FlowNode
  layer: number
  x: number
  y: number
  bytes: number
}

export interface FlowGraph {
  nodes: PlacedNode[]
  edges: DepEdge[]
  /** Edges of the answer left out of the graph (they stay in the table). */
  omitted: number
}

export const nodeId = (n: FlowNode) => `${n.kind}:${n.vm ?? n.name ?? ''}`

const isApp = (n: FlowNode) => n.kind === 'application' || n.kind === 'vm'

/**
 * flowGraph keeps the top edges (between applications or VMs first, then
 * those with a class of what is no VM), and places their nodes in layers:
 * a node's layer is the longest chain of clients before it (cycles broken
 * where they close), so clients are left of their servers.
 */
export function flowGraph(edges: DepEdge[], top: number, dx = 260, dy = 90): FlowGraph {
  const rank = (e: DepEdge) => (isApp(e.src) && isApp(e.dst) ? 0 : 1)
  const kept = [...edges].sort((a, b) => rank(a) - rank(b) || b.bytes - a.bytes).slice(0, top)
  const nodes = new Map<string, FlowNode>()
  const bytes = new Map<string, number>()
  const out = new Map<string, string[]>()
  for (const e of kept) {
    const s = nodeId(e.src)
    const d = nodeId(e.dst)
    nodes.set(s, e.src)
    nodes.set(d, e.dst)
    bytes.set(s, (bytes.get(s) ?? 0) + e.bytes)
    bytes.set(d, (bytes.get(d) ?? 0) + e.bytes)
    if (s !== d) out.set(s, [...(out.get(s) ?? []), d])
  }
  // Depth-first from the nodes with no client (then any left), dropping the
  // edges that close a cycle, then the longest path over what remains.
  const indeg = new Map<string, number>()
  for (const ds of out.values()) for (const d of ds) indeg.set(d, (indeg.get(d) ?? 0) + 1)
  const order = [...nodes.keys()].sort((a, b) => (indeg.get(a) ?? 0) - (indeg.get(b) ?? 0) || (bytes.get(b) ?? 0) - (bytes.get(a) ?? 0))
  const state = new Map<string, 1 | 2>()
  const dag = new Map<string, string[]>()
  const visit = (n: string) => {
    state.set(n, 1)
    for (const d of out.get(n) ?? []) {
      if (state.get(d) === 1) continue // closes a cycle
      dag.set(n, [...(dag.get(n) ?? []), d])
      if (!state.has(d)) visit(d)
    }
    state.set(n, 2)
  }
  for (const n of order) if (!state.has(n)) visit(n)
  const layer = new Map<string, number>()
  const depth = (n: string, seen: Set<string>): number => {
    const known = layer.get(n)
    if (known !== undefined) return known
    seen.add(n)
    let l = 0
    for (const [s, ds] of dag) if (ds.includes(n) && !seen.has(s)) l = Math.max(l, depth(s, seen) + 1)
    seen.delete(n)
    layer.set(n, l)
    return l
  }
  for (const n of nodes.keys()) depth(n, new Set())
  const byLayer = new Map<number, string[]>()
  for (const [n, l] of layer) byLayer.set(l, [...(byLayer.get(l) ?? []), n])
  const placed: PlacedNode[] = []
  for (const [l, ns] of byLayer) {
    ns.sort((a, b) => Number(isApp(nodes.get(b)!)) - Number(isApp(nodes.get(a)!)) || (bytes.get(b) ?? 0) - (bytes.get(a) ?? 0) || a.localeCompare(b))
    ns.forEach((n, i) => placed.push({ id: n, node: nodes.get(n)!, layer: l, x: l * dx, y: (i - (ns.length - 1) / 2) * dy, bytes: bytes.get(n) ?? 0 }))
  }
  placed.sort((a, b) => a.layer - b.layer || a.y - b.y)
  return { nodes: placed, edges: kept, omitted: edges.length - kept.length }
}
