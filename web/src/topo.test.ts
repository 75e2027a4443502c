import { describe, expect, it } from 'vitest'
import { labelMaxWidth, labelShown, labelStyles, layout, minZoomedFontSize, nodeLabel, tierOf, vmLabelZoom } from './topo'
import type { TopoEdge, TopoNode } from './api'

const node = (id: string, kind: string, extra: Partial<TopoNode> = {}): TopoNode => ({ id, kind, label: id, vms: 0, hosts: 0, expandable: false, ...extra })

describe('layout', () => {
  const nodes = [
    node('spine1', 'switch', { role: 'fabric' }),
    node('leaf2', 'switch', { role: 'leaf' }),
    node('leaf1', 'switch', { role: 'leaf' }),
    node('c2', 'cluster', { hosts: 2, vms: 10 }),
    node('c1', 'cluster', { hosts: 2, vms: 20 }),
  ]
  const edges: TopoEdge[] = [
    { source: 'spine1', target: 'leaf1', kind: 'isl', links: 1 },
    { source: 'spine1', target: 'leaf2', kind: 'isl', links: 1 },
    { source: 'c1', target: 'leaf2', kind: 'cabling', links: 4 },
    { source: 'c2', target: 'leaf1', kind: 'cabling', links: 4 },
  ]
  const pos = layout(nodes, edges, { dx: 100, dy: 100 })

  it('puts fabric switches above leaves above groups', () => {
    expect(pos.get('spine1')!.y).toBeLessThan(pos.get('leaf1')!.y)
    expect(pos.get('leaf1')!.y).toBe(pos.get('leaf2')!.y)
    expect(pos.get('leaf1')!.y).toBeLessThan(pos.get('c1')!.y)
  })

  it('orders a tier under what it joins', () => {
    expect(pos.get('leaf1')!.x).toBeLessThan(pos.get('leaf2')!.x)
    expect(pos.get('c2')!.x).toBeLessThan(pos.get('c1')!.x) // c2 is under leaf1
  })

  it('wraps a long tier into rows', () => {
    const many = Array.from({ length: 3000 }, (_, i) => node(`vm${i}`, 'vm', { parent: 'h' }))
    const p = layout([node('h', 'host'), ...many], many.map((n) => ({ source: n.id, target: 'h', kind: 'placement', links: 1 })), { perRow: 50 })
    const ys = new Set(many.map((n) => p.get(n.id)!.y))
    expect(ys.size).toBe(60)
    expect(p.size).toBe(3001)
  })
})

describe('labels and tiers', () => {
  it('says what a group holds', () => {
    expect(nodeLabel(node('c', 'cluster', { label: 'prod', hosts: 4, vms: 71 }))).toBe('prod\n4 hosts · 71 VMs')
    expect(nodeLabel(node('h', 'host', { label: 'esx01', vms: 3 }))).toBe('esx01\n3 VMs')
  })
  it('tiers', () => {
    expect(['switch', 'cluster', 'host', 'vm', 'appcluster', 'application'].map((k) => tierOf(node('x', k, { role: 'leaf' })))).toEqual([1, 2, 3, 4, 5, 6])
  })
})

describe('labels by zoom (level of detail)', () => {
  it('hides VM labels below the threshold and keeps group, host and switch labels', () => {
    expect(vmLabelZoom).toBeGreaterThan(0.3)
    expect(vmLabelZoom).toBeLessThanOrEqual(1)
    for (const z of [1, vmLabelZoom, 3]) expect(labelShown('vm', z)).toBe(true)
    for (const z of [vmLabelZoom * 0.99, 0.3, 0.05]) expect(labelShown('vm', z)).toBe(false)
    for (const kind of ['host', 'switch', 'cluster', 'rack', 'application', 'group']) {
      expect(labelShown(kind, 0.5)).toBe(true)
      expect(labelShown(kind, vmLabelZoom * 0.99)).toBe(true)
    }
    // Groups stay labelled further out than hosts and switches.
    expect(labelShown('cluster', 0.3)).toBe(true)
  })
  it('sets Cytoscape min-zoomed-font-size to the threshold and keeps VM labels within a row', () => {
    const styles = labelStyles()
    const vm = styles.find((s) => s.selector === 'node[kind = "vm"]')!.style
    expect(vm['min-zoomed-font-size']).toBe(minZoomedFontSize('vm'))
    expect((vm['font-size'] as number) * vmLabelZoom).toBeCloseTo(vm['min-zoomed-font-size'] as number)
    expect(vm['text-wrap']).toBe('ellipsis')
    // A label is no wider than the room between two nodes of a row, so neighbours never overlap at any zoom.
    expect(parseFloat(vm['text-max-width'] as string)).toBe(labelMaxWidth)
    const pos = layout(Array.from({ length: 40 }, (_, i) => node(`vm${i}`, 'vm')), [])
    const row = [...pos.values()].filter((p) => p.y === pos.get('vm0')!.y).sort((a, b) => a.x - b.x)
    expect(row[1].x - row[0].x).toBeGreaterThan(labelMaxWidth)
    const all = styles.find((s) => s.selector === 'node')!.style
    expect(all['min-zoomed-font-size']).toBeLessThan(minZoomedFontSize('vm'))
  })
})
