// Layout of a VM's physical path, one diagram per vNIC, in columns:
// vNIC → port group (VLAN) → virtual switch → pNICs → switch ports →
// port-channels → switches. Pure: the VNIC of a `where` answer in, boxes
// and links with positions out (tested in diagram.test.ts); PathDiagram
// draws them as SVG.

import type { VNICView } from './api'

export interface DNode {
  id: string
  col: number
  /** vertical position in rows (may be fractional: centred on what it joins) */
  row: number
  kind: 'vnic' | 'portgroup' | 'vswitch' | 'pnic' | 'port' | 'portchannel' | 'switch'
  label: string
  sub?: string
  /** active, standby, unused (pNICs); bad (a port that does not carry the VLAN); down */
  state?: string
  title?: string
  /** in-app page of the node, when it has one */
  page?: string
}

export interface DEdge {
  from: string
  to: string
  /** evidence of a pNIC-to-port link, shown on the link, and its confidence below */
  label?: string
  sublabel?: string
  title?: string
  style: 'plain' | 'active' | 'standby' | 'unused' | 'conflict' | 'bad'
}

export interface DLayout {
  nodes: DNode[]
  edges: DEdge[]
  cols: number
  rows: number
}

/**
 * evidenceLabel names the evidence of a link for people, protocol by
 * protocol with who saw it: ["host-lldp", "switch-lldp", "declared"] →
 * "LLDP host+switch, declared".
 */
export function evidenceLabel(ev: string[]): string {
  const by = new Map<string, string[]>()
  const other: string[] = []
  for (const e of ev) {
    const m = /^(host|switch)-(lldp|cdp)$/.exec(e)
    if (!m) {
      other.push(e === 'fdb' ? 'FDB' : e)
      continue
    }
    const p = m[2].toUpperCase()
    by.set(p, [...(by.get(p) ?? []), m[1]])
  }
  return [...[...by].map(([p, who]) => `${p} ${who.join('+')}`), ...other].join(', ')
}

const e = encodeURIComponent

/** layoutPath lays out the path of one vNIC. */
export function layoutPath(nic: VNICView): DLayout {
  const nodes: DNode[] = []
  const edges: DEdge[] = []
  const uplinks = nic.uplinks ?? []
  const hasPC = uplinks.some((u) => (u.ports ?? []).some((p) => p.port_channel))
  const col = { vnic: 0, portgroup: 1, vswitch: 2, pnic: 3, port: 4, portchannel: hasPC ? 5 : -1, switch: hasPC ? 6 : 5 }

  // Rows: one per switch port of each uplink (at least one per uplink).
  let row = 0
  const portRows: { sw: string; pc?: string; row: number; id: string }[] = []
  for (const u of uplinks) {
    const ports = u.ports ?? []
    const uRow = row + (Math.max(ports.length, 1) - 1) / 2
    const pnicID = `pnic:${u.id}`
    const role = u.link === 'down' ? 'down' : u.role
    nodes.push({
      id: pnicID,
      col: col.pnic,
      row: uRow,
      kind: 'pnic',
      label: u.device,
      sub: [u.role, u.lag ? `LAG ${u.lag}${u.lag_mode ? ` (${u.lag_mode})` : ''}` : '', u.link === 'down' ? 'link down' : '', ports.length === 0 ? 'no switch port known' : '', u.speed_mbps ? `${Number(u.speed_mbps) / 1000} G` : '']
        .filter(Boolean)
        .join(' · '),
      state: role,
      title: [u.mac, ...(u.neighbors ?? []).map((n) => `${n.protocol.toUpperCase()}: ${n.device ?? ''} ${n.port ?? ''}`)].filter(Boolean).join('\n'),
      page: `/host/${e(u.id.replace(/^pnic:/, '').split('/')[0])}`,
    })
    ports.forEach((p, i) => {
      const id = `port:${p.id}:${u.id}`
      const bad = p.carries_vlan === 'no'
      nodes.push({
        id,
        col: col.port,
        row: row + i,
        kind: 'port',
        label: p.port,
        sub: [p.switch, p.mode, bad ? 'VLAN not carried' : p.carries_vlan === 'unknown' ? 'VLANs unknown' : ''].filter(Boolean).join(' · '),
        state: bad ? 'bad' : undefined,
        title: `${p.switch} ${p.port}${p.port_channel ? ` in ${p.port_channel}` : ''}\ncarries the VLAN: ${p.carries_vlan}`,
        page: `/switch/${e(p.switch)}?port=${e(p.port)}`,
      })
      edges.push({
        from: pnicID,
        to: id,
        label: evidenceLabel(p.evidence) || 'no evidence',
        sublabel: p.confidence ? `${p.confidence} confidence` : undefined,
        title: `evidence: ${p.evidence.join(', ') || 'none'}\nconfidence: ${p.confidence}`,
        style: p.confidence === 'conflict' ? 'conflict' : bad ? 'bad' : u.role === 'active' ? 'active' : u.role === 'standby' ? 'standby' : 'unused',
      })
      portRows.push({ sw: p.switch, pc: p.port_channel, row: row + i, id })
    })
    row += Math.max(ports.length, 1)
  }
  const rows = Math.max(row, 1)
  const mid = (rows - 1) / 2

  // The left side, centred.
  const vnicID = `vnic:${nic.id}`
  nodes.push({
    id: vnicID,
    col: col.vnic,
    row: mid,
    kind: 'vnic',
    label: nic.label || nic.mac || 'vNIC',
    sub: [nic.mac, nic.connected ? '' : 'disconnected', (nic.ips ?? []).join(', ')].filter(Boolean).join(' · '),
    state: nic.connected ? undefined : 'down',
  })
  let left = vnicID
  if (nic.portgroup) {
    const pg = nic.portgroup
    const vlan = pg.trunk ? `trunk ${pg.trunk}` : pg.pvlan ? `PVLAN ${pg.pvlan} (primary ${pg.vlan})` : pg.vlan && pg.vlan !== '0' ? `VLAN ${pg.vlan}` : 'untagged'
    nodes.push({
      id: `pg:${pg.id}`,
      col: col.portgroup,
      row: mid,
      kind: 'portgroup',
      label: pg.name,
      sub: vlan,
      title: [pg.type, pg.policy, pg.active?.length ? `active: ${pg.active.join(', ')}` : '', pg.standby?.length ? `standby: ${pg.standby.join(', ')}` : '']
        .filter(Boolean)
        .join('\n'),
      page: `/portgroup/${e(pg.name)}`,
    })
    edges.push({ from: left, to: `pg:${pg.id}`, style: 'plain' })
    left = `pg:${pg.id}`
  }
  if (nic.switch) {
    const sw = nic.switch
    nodes.push({
      id: `vs:${sw.id}`,
      col: col.vswitch,
      row: mid,
      kind: 'vswitch',
      label: sw.name,
      sub: [sw.kind === 'dvswitch' ? 'distributed' : 'standard', sw.mtu ? `MTU ${sw.mtu}` : ''].filter(Boolean).join(' · '),
    })
    edges.push({ from: left, to: `vs:${sw.id}`, style: 'plain' })
    for (const u of uplinks) {
      edges.push({ from: `vs:${sw.id}`, to: `pnic:${u.id}`, style: u.link === 'down' ? 'unused' : (u.role as DEdge['style']) })
    }
  }

  // Port-channels and switches, centred on what joins them.
  const centre = (rs: number[]) => rs.reduce((a, b) => a + b, 0) / rs.length
  const pcs = new Map<string, number[]>()
  const sws = new Map<string, number[]>()
  for (const p of portRows) {
    if (p.pc) {
      const k = `${p.sw}/${p.pc}`
      pcs.set(k, [...(pcs.get(k) ?? []), p.row])
      edges.push({ from: p.id, to: `pc:${k}`, style: 'plain' })
    } else {
      edges.push({ from: p.id, to: `sw:${p.sw}`, style: 'plain' })
    }
    sws.set(p.sw, [...(sws.get(p.sw) ?? []), p.row])
  }
  const mlag = new Map<string, string>()
  for (const u of uplinks) for (const p of u.ports ?? []) if (p.port_channel && p.mlag_peer) mlag.set(`${p.switch}/${p.port_channel}`, p.mlag_peer)
  for (const [k, rs] of pcs) {
    const [sw, pc] = [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)]
    nodes.push({
      id: `pc:${k}`,
      col: col.portchannel,
      row: centre(rs),
      kind: 'portchannel',
      label: pc,
      sub: [sw, mlag.has(k) ? `MLAG with ${mlag.get(k)}` : ''].filter(Boolean).join(' · '),
      page: `/switch/${e(sw)}?port=${e(pc)}`,
    })
    edges.push({ from: `pc:${k}`, to: `sw:${sw}`, style: 'plain' })
  }
  for (const [sw, rs] of sws) {
    nodes.push({ id: `sw:${sw}`, col: col.switch, row: centre(rs), kind: 'switch', label: sw, page: `/switch/${e(sw)}` })
  }
  return { nodes, edges, cols: col.switch + 1, rows }
}
