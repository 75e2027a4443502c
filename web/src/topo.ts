// Layout of the topology view: a layered drawing computed in one pass, so
// that it stays fast at thousands of nodes (force-directed layouts do
// not). Tiers from the top: fabric switches, leaf switches, groups of
// hosts (clusters, racks), hosts, VMs, and in the application grouping the
// applications' groups below. Within a tier, nodes are ordered by the mean
// position of what they join in the tiers above (barycentre), and a long
// tier wraps into several rows. Pure (tested in topo.test.ts).

import type { TopoEdge, TopoNode } from './api'

export interface Placed {
  id: string
  x: number
  y: number
}

/** tierOf returns the tier of a node. */
export function tierOf(n: TopoNode): number {
  switch (n.kind) {
    case 'switch':
      return n.role === 'leaf' ? 1 : 0
    case 'cluster':
    case 'datacenter':
    case 'rack':
      return 2
    case 'host':
      return 3
    case 'group':
    case 'vm':
      return 4
    case 'appcluster':
      return 5
    case 'application':
      return 6
  }
  return 4
}

export interface LayoutOptions {
  /** horizontal distance between node centres */
  dx: number
  /** least vertical distance between tiers (it grows with the drawing's width, to keep it readable) */
  dy: number
  /** vertical distance between the rows of a wrapped tier */
  rowGap: number
  /** most nodes in one row before a tier wraps */
  perRow: number
}

const defaults: LayoutOptions = { dx: 120, dy: 150, rowGap: 80, perRow: 32 }

/** layout places nodes in tiers; edges order the nodes within a tier. */
export function layout(nodes: TopoNode[], edges: TopoEdge[], opts: Partial<LayoutOptions> = {}): Map<string, Placed> {
  const o = { ...defaults, ...opts }
  const tiers = new Map<number, TopoNode[]>()
  for (const n of nodes) {
    const t = tierOf(n)
    if (!tiers.has(t)) tiers.set(t, [])
    tiers.get(t)!.push(n)
  }
  const adj = new Map<string, string[]>()
  for (const e of edges) {
    if (!adj.has(e.source)) adj.set(e.source, [])
    if (!adj.has(e.target)) adj.set(e.target, [])
    adj.get(e.source)!.push(e.target)
    adj.get(e.target)!.push(e.source)
  }
  const tierOfId = new Map(nodes.map((n) => [n.id, tierOf(n)]))
  const pos = new Map<string, Placed>()
  let y = 0
  const order = [...tiers.keys()].sort((a, b) => a - b)
  const widest = Math.max(...[...tiers.values()].map((ns) => Math.min(ns.length, o.perRow)))
  const dy = Math.max(o.dy, (widest * o.dx) / 6)
  for (const t of order) {
    const ns = tiers.get(t)!
    // Barycentre of the already placed neighbours (tiers above), else of
    // the parent group, else keep the server's order.
    const bary = new Map<string, number>()
    ns.forEach((n, i) => {
      const xs = (adj.get(n.id) ?? []).filter((m) => (tierOfId.get(m) ?? 99) < t && pos.has(m)).map((m) => pos.get(m)!.x)
      if (xs.length) bary.set(n.id, xs.reduce((a, b) => a + b, 0) / xs.length)
      else if (n.parent && pos.has(n.parent)) bary.set(n.id, pos.get(n.parent)!.x)
      else bary.set(n.id, 1e12 + i)
    })
    const sorted = [...ns].sort((a, b) => bary.get(a.id)! - bary.get(b.id)! || a.label.localeCompare(b.label, undefined, { numeric: true }))
    const rows = Math.ceil(sorted.length / o.perRow)
    const perRow = Math.ceil(sorted.length / rows)
    for (let r = 0; r < rows; r++) {
      const row = sorted.slice(r * perRow, (r + 1) * perRow)
      const width = (row.length - 1) * o.dx
      row.forEach((n, i) => pos.set(n.id, { id: n.id, x: i * o.dx - width / 2, y }))
      y += r < rows - 1 ? o.rowGap : 0
    }
    y += dy
  }
  return pos
}

/** nodeLabel is what a node shows: its name and, for a group, what it holds. */
export function nodeLabel(n: TopoNode): string {
  switch (n.kind) {
    case 'vm':
    case 'switch':
      return n.label
    case 'host':
      return n.vms ? `${n.label}\n${n.vms} VMs` : n.label
  }
  const parts = []
  if (n.hosts) parts.push(`${n.hosts} hosts`)
  if (n.vms) parts.push(`${n.vms} VMs`)
  return `${n.label}\n${parts.join(' · ')}`
}

/** nodeSize grows with what a node holds, gently. */
export function nodeSize(n: TopoNode): number {
  if (n.kind === 'vm') return 16
  if (n.kind === 'switch') return 34
  if (n.kind === 'host') return 26
  return Math.min(90, 30 + 8 * Math.log2(1 + n.vms + n.hosts))
}
