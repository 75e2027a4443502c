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

// Level of detail. Cytoscape scales labels with the zoom, so labels that fit
// between their neighbours at one zoom fit at all: a VM's label is cut to
// the room between two nodes of a row (labelMaxWidth) and a host's wraps in
// it. Zoomed out, thousands of VM labels would still be an unreadable smear
// over the groups, hosts and switches: they are drawn only from vmLabelZoom
// up (Cytoscape's min-zoomed-font-size), while group, host and switch
// labels stay down to a few pixels high.

/** vmLabelZoom is the least zoom at which VM labels are drawn. */
export const vmLabelZoom = 0.75

/** labelMaxWidth is the widest a VM or host label is drawn: the room between two nodes of a row. */
export const labelMaxWidth = defaults.dx - 12

/** labelFontSize is the font size of a kind's label at zoom 1. */
export function labelFontSize(kind: string): number {
  switch (kind) {
    case 'vm':
      return 9
    case 'host':
    case 'switch':
      return 11
  }
  return 18
}

/** minZoomedFontSize is a kind's min-zoomed-font-size: its label is drawn only while font size × zoom reaches it. */
export function minZoomedFontSize(kind: string): number {
  return kind === 'vm' ? labelFontSize('vm') * vmLabelZoom : 5
}

/** labelShown says whether a kind's label is drawn at zoom (Cytoscape's rule for min-zoomed-font-size). */
export function labelShown(kind: string, zoom: number): boolean {
  return labelFontSize(kind) * zoom >= minZoomedFontSize(kind) - 1e-9
}

/** labelStyles are the topology's label styles by kind, for Cytoscape. */
export function labelStyles(): { selector: string; style: Record<string, string | number> }[] {
  return [
    { selector: 'node', style: { 'font-size': labelFontSize('host'), 'min-zoomed-font-size': minZoomedFontSize('host'), 'text-wrap': 'wrap', 'text-max-width': `${labelMaxWidth}px` } },
    { selector: 'node[kind = "vm"]', style: { 'font-size': labelFontSize('vm'), 'min-zoomed-font-size': minZoomedFontSize('vm'), 'text-wrap': 'ellipsis', 'text-max-width': `${labelMaxWidth}px` } },
    { selector: 'node[kind != "vm"][kind != "host"][kind != "switch"]', style: { 'font-size': labelFontSize('cluster') } },
  ]
}
