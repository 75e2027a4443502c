import { describe, expect, it } from 'vitest'
import type { DepEdge, FlowNode } from './api'
import { flowGraph } from './flowgraph'

const app = (name: string): FlowNode => ({ kind: 'application', name })
const cls = (kind: string): FlowNode => ({ kind })
const edge = (src: FlowNode, dst: FlowNode, bytes: number): DepEdge => ({ src, dst, bytes, packets: 1, flows: 1, top_ports: [] })

describe('flowGraph', () => {
  it('places clients left of the servers they depend on, in layers', () => {
    const g = flowGraph([edge(app('web'), app('api'), 10), edge(app('api'), app('db'), 5), edge(app('batch'), app('db'), 1)], 30)
    const layer = Object.fromEntries(g.nodes.map((n) => [n.node.name, n.layer]))
    expect(layer).toEqual({ web: 0, batch: 0, api: 1, db: 2 })
    const x = Object.fromEntries(g.nodes.map((n) => [n.node.name, n.x]))
    expect(x.web).toBeLessThan(x.api)
    expect(x.api).toBeLessThan(x.db)
  })
  it('keeps the top edges, applications first, and counts the rest', () => {
    const g = flowGraph([edge(cls('unknown'), cls('unknown'), 1000), edge(app('web'), app('db'), 10), edge(app('a'), app('b'), 5)], 2)
    expect(g.edges.map((e) => `${e.src.name ?? e.src.kind}>${e.dst.name ?? e.dst.kind}`)).toEqual(['web>db', 'a>b'])
    expect(g.omitted).toBe(1)
  })
  it('survives a cycle', () => {
    const g = flowGraph([edge(app('a'), app('b'), 10), edge(app('b'), app('a'), 5)], 10)
    expect(g.nodes.map((n) => n.layer).sort()).toEqual([0, 1])
  })
})
