// Draws the path of one vNIC (layoutPath) as SVG: boxes in columns, links
// coloured by teaming role, the evidence of each pNIC-to-port link written
// on it. Boxes with a page are links; everything has a tooltip.

import type { VNICView } from '../api'
import { layoutPath, type DNode } from '../diagram'
import { keepAt, navigate } from '../router'

const W = 140
const H = 48
const ROW = 64
const PAD = 8
// Gap after each column; the pNIC-to-port gap holds the evidence labels.
const GAP = [32, 32, 32, 150, 32, 32, 32]

function colX(col: number): number {
  let x = PAD
  for (let i = 0; i < col; i++) x += W + GAP[i]
  return x
}

function trim(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s
}

export function PathDiagram(props: { nic: VNICView }) {
  const d = layoutPath(props.nic)
  const byId = new Map(d.nodes.map((n) => [n.id, n]))
  const width = colX(d.cols - 1) + W + PAD
  const height = d.rows * ROW + PAD * 2
  const y = (n: DNode) => PAD + n.row * ROW + (ROW - H) / 2
  const open = (n: DNode) => n.page && navigate(keepAt(n.page))
  return (
    <svg
      class="path-diagram"
      data-testid="path-diagram"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Physical path of ${props.nic.label ?? props.nic.mac}: ${d.nodes.map((n) => n.label).join(', ')}`}
    >
      {d.edges.map((e) => {
        const a = byId.get(e.from)
        const b = byId.get(e.to)
        if (!a || !b) return null
        const x1 = colX(a.col) + W
        const y1 = y(a) + H / 2
        const x2 = colX(b.col)
        const y2 = y(b) + H / 2
        const mx = (x1 + x2) / 2
        return (
          <g class={`edge edge-${e.style}`} data-testid={e.label ? 'path-link' : undefined}>
            <title>{e.title ?? ''}</title>
            <path d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`} />
            {e.label && (
              <text x={mx} y={(y1 + y2) / 2 - 17} text-anchor="middle" class="edge-label">
                <tspan x={mx}>{trim(e.label, 26)}</tspan>
                {e.sublabel && (
                  <tspan x={mx} dy={12}>
                    {e.sublabel}
                  </tspan>
                )}
              </text>
            )}
          </g>
        )
      })}
      {d.nodes.map((n) => (
        <g
          class={`dnode dnode-${n.kind} ${n.state ? 'dnode-' + n.state : ''} ${n.page ? 'dnode-link' : ''}`}
          transform={`translate(${colX(n.col)},${y(n)})`}
          data-testid={`path-${n.kind}`}
          data-label={n.label}
          tabIndex={n.page ? 0 : undefined}
          role={n.page ? 'link' : undefined}
          onClick={() => open(n)}
          onKeyDown={(ev) => {
            if (ev.key === 'Enter') open(n)
          }}
        >
          <title>{[n.label, n.sub, n.title].filter(Boolean).join('\n')}</title>
          <rect width={W} height={H} rx={6} />
          <text x={10} y={19} class="dnode-label">
            {trim(n.label, 17)}
          </text>
          {n.sub && (
            <text x={10} y={36} class="dnode-sub">
              {trim(n.sub, 24)}
            </text>
          )}
        </g>
      ))}
    </svg>
  )
}
