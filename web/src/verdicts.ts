// The graph's working-path verdicts and fabric impact as the REST API
// carries them (where's working_path, the host and switch pages' cut_off,
// impact's fabric), and what the pages derive from them.

/** PathVerdict says whether a VM (or a vNIC) has a working path now: works, partial, none or unknown. */
export interface PathVerdict {
  state: 'works' | 'partial' | 'none' | 'unknown'
  reason?: string
  drops?: VLANDrop[]
}

/** VLANDrop is a switch port that drops a VM's VLAN behind an uplink its traffic takes. */
export interface VLANDrop {
  vnic?: string
  portgroup: string
  vlan: string
  host: string
  pnic: string
  device: string
  role: string
  port: string
  switch: string
  port_name: string
}

/** CutOffVM is a VM with no working path now. */
export interface CutOffVM {
  vm: string
  name: string
  host: string
  reason: string
  drops?: VLANDrop[]
}

/** SwitchImpact is what a failure does to one switch's inter-switch links. */
export interface SwitchImpact {
  switch: string
  state: 'degraded' | 'isolated'
  lost: { from_switch: string; from_port: string; to_switch: string; to_port: string }[]
  left: number
  cut_off?: string[]
}

/** findingOf links to the vm-unsafe-host finding of a VM. */
export function findingOf(vm: string): string {
  return '/findings?' + new URLSearchParams({ rule: 'vm-unsafe-host', q: vm }).toString()
}

/** dropsBy groups the drops of cut-off VMs by a key (a pNIC ID, a port ID): the VLANs dropped and the VMs. */
export function dropsBy(cut: CutOffVM[] | undefined, key: (d: VLANDrop) => string): Map<string, { vlans: string[]; vms: string[] }> {
  const out = new Map<string, { vlans: string[]; vms: string[] }>()
  for (const c of cut ?? []) {
    for (const d of c.drops ?? []) {
      const k = key(d)
      const e = out.get(k) ?? { vlans: [], vms: [] }
      if (!e.vlans.includes(d.vlan)) e.vlans.push(d.vlan)
      if (!e.vms.includes(c.name)) e.vms.push(c.name)
      out.set(k, e)
    }
  }
  return out
}

/** severityCounts counts findings by severity, worst first. */
export function severityCounts(findings: { severity: string }[]): [string, number][] {
  const order = ['critical', 'warning', 'info']
  const n: Record<string, number> = {}
  for (const f of findings) n[f.severity] = (n[f.severity] ?? 0) + 1
  return order.filter((s) => n[s]).map((s) => [s, n[s]])
}

/** worstBySubject maps each entity ID that open findings are about to the worst of their severities. */
export function worstBySubject(findings: { severity: string; subjects: string[] }[] | undefined): Map<string, string> {
  const rank: Record<string, number> = { critical: 3, warning: 2, info: 1 }
  const out = new Map<string, string>()
  for (const f of findings ?? []) {
    for (const s of f.subjects) {
      const cur = out.get(s)
      if (!cur || (rank[f.severity] ?? 0) > (rank[cur] ?? 0)) out.set(s, f.severity)
    }
  }
  return out
}
