// The answers of the VLAN, port-group and history routes (GET
// /api/v1/vlan/{id}, /portgroup/{name}, /history/port/{switch}/{port},
// /history/mac/{mac}), typed as their pages use them.

import type { UplinkView, VMRef } from './api'

export interface VLANPort {
  name: string
  kind: string
  mode: string
  native?: boolean
  oper?: string
  port_channel?: string
  peer?: string
  attached?: string[]
}

export interface VLANSwitch {
  name: string
  defined: boolean
  vlan_name?: string
  ports: VLANPort[]
}

export interface PortgroupRef {
  id: string
  name: string
  switch?: string
  host?: string
  vlan?: string
  trunk?: string
  hosts: number
  vms: number
}

export interface VLANHost {
  host: string
  cluster?: string
  state: string
  portgroups: string[]
}

export interface VLANGap {
  host: string
  portgroup: string
  vlan: string
  pnic: string
  role: string
  switch: string
  port: string
  port_channel?: string
}

export interface VLANAnswer {
  at: string
  vid: number
  names: string[]
  switches: VLANSwitch[]
  portgroups: PortgroupRef[]
  hosts: VLANHost[]
  gaps: VLANGap[]
  vms: VMRef[]
  vm_count: number
  on_no_switch: boolean
}

export interface PortgroupDetail {
  id: string
  name: string
  type?: string
  vlan?: string
  trunk?: string
  pvlan?: string
  policy?: string
  active?: string[]
  standby?: string[]
  switch?: string
  switch_kind?: string
  hosts: { host: string; state?: string; uplinks: UplinkView[] }[]
  host_count: number
  vms: number
}

export interface PortgroupAnswer {
  at: string
  name: string
  portgroups: PortgroupDetail[]
  vlans: string[]
  gaps: VLANGap[]
  vms: VMRef[]
  vm_count: number
}

export interface Page {
  total: number
  offset: number
  limit: number
  next_offset?: number
}

export interface PortSighting {
  kind: 'learned' | 'neighbor'
  port: string
  mac?: string
  vendor?: string
  vlan?: string
  vm?: VMRef
  pnic?: string
  neighbor?: string
  from: string
  to?: string
  sources: string[]
}

export interface PortHistoryAnswer extends Page {
  at: string
  id: string
  switch: string
  port: string
  related?: string[]
  cabled: { pnic: string; port: string; evidence: string[]; confidence: string }[]
  entries: PortSighting[]
}

export interface MACHistoryAnswer extends Page {
  at: string
  mac: string
  vendor?: string
  vm?: VMRef
  pnic?: string
  learned: { switch: string; port: string; port_channel?: string; vlan?: string; edge: boolean; from: string; to?: string; sources: string[] }[]
  arp: { switch: string; ip: string; interface?: string; vlan?: string; from: string; to?: string; sources: string[] }[]
}

/** portHistoryPath is the in-app path of a switch port's history. */
export function portHistoryPath(sw: string, port: string): string {
  return `/history/port/${encodeURIComponent(sw)}/${port.split('/').map(encodeURIComponent).join('/')}`
}

/** macPath is the in-app path of a MAC's history. */
export function macPath(mac: string): string {
  return `/mac/${encodeURIComponent(mac)}`
}

/** splitPortPath reads "SWITCH/PORT…" (the rest of a port history path) into its switch and port. */
export function splitPortPath(rest: string): [string, string] {
  const i = rest.indexOf('/')
  return i < 0 ? [rest, ''] : [rest.slice(0, i), rest.slice(i + 1)]
}
