// The REST API under /api/v1, typed as the UI uses it. The UI talks to
// nothing else: every page is one or a few of these calls.

import { authHeaders } from './session'

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message)
  }
}

export type Params = Record<string, string | string[] | undefined | null>

/** url joins a path under /api/v1 with query parameters (empty ones left out). */
export function url(path: string, params: Params = {}): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x))
    else q.set(k, v)
  }
  const s = q.toString()
  return '/api/v1' + path + (s ? '?' + s : '')
}

/** get fetches a JSON answer; a non-2xx answer throws an ApiError with the server's message. */
export async function get<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  return answer<T>(await fetch(url(path, params), { signal, headers: { Accept: 'application/json', ...authHeaders() } }))
}

/** post sends body as JSON with the session's token; errors as get's. */
export async function post<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(url(path), {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...authHeaders() },
      body: JSON.stringify(body),
    }),
  )
}

/** answer reads a JSON answer; a non-2xx one throws an ApiError with the server's message. */
async function answer<T>(res: Response): Promise<T> {
  const text = await res.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    throw new ApiError(res.status, `${res.status} ${res.statusText}: not JSON`)
  }
  if (!res.ok) {
    const msg = (body as { error?: string } | undefined)?.error ?? `${res.status} ${res.statusText}`
    throw new ApiError(res.status, msg)
  }
  return body as T
}

/** enc escapes one path segment. */
export const enc = encodeURIComponent

export interface SourceState {
  name: string
  last_success?: string
  /** absent: no run recorded yet */
  last_attempt?: string
  stale: boolean
  /** in the summary: collecting while a full run is under way, never collected yet before the first */
  state?: 'ok' | 'stale' | 'collecting' | 'never collected yet'
  last_error?: string
  /** rows of its devices' tables skipped, tables failed (collection health) */
  skipped_rows?: number
  failed_tables?: number
}

export interface Summary {
  at: string
  counts: Record<string, number>
  sources: SourceState[]
}

export interface Match {
  kind: string
  id: string
  name: string
  detail?: string
  page: string
  key: string
  port?: string
}

export interface SearchAnswer {
  query: string
  at: string
  matches: Match[]
  truncated?: boolean
}

export interface VMView {
  id: string
  name: string
  power?: string
  folder?: string
  tags?: string[]
  custom_attributes?: Record<string, string>
  applications?: string[]
  sources: string[]
}

export interface HostView {
  id: string
  name: string
  connection?: string
  cluster?: string
  datacenter?: string
}

export interface PortView {
  id: string
  switch: string
  port: string
  port_channel?: string
  mlag_peer?: string
  mode?: string
  evidence: string[]
  confidence: string
  carries_vlan: string
}

export interface Neighbor {
  protocol: string
  device?: string
  port?: string
  address?: string
  platform?: string
  chassis?: string
}

export interface UplinkView {
  id: string
  device: string
  mac?: string
  link?: string
  speed_mbps?: string
  uplink?: string
  role: string
  lag?: string
  lag_mode?: string
  neighbors?: Neighbor[]
  ports?: PortView[]
}

export interface LearnedOn {
  switch: string
  port: string
  port_channel?: string
  vlan?: string
  edge: boolean
}

export interface VNICView {
  id: string
  label?: string
  mac?: string
  connected: boolean
  ips?: string[]
  portgroup?: {
    id: string
    name: string
    type?: string
    vlan?: string
    trunk?: string
    pvlan?: string
    policy?: string
    active?: string[]
    standby?: string[]
  }
  switch?: { id: string; kind: string; name: string; mtu?: string }
  uplinks?: UplinkView[]
  learned?: LearnedOn[]
  confirmed_by_fdb: boolean
}

export interface MACLocation {
  mac: string
  pnic?: string
  learned: LearnedOn[]
  until?: string
}

export interface IPLocation {
  ip: string
  arp: { switch: string; interface?: string; vlan?: string; mac: string }[]
  macs?: MACLocation[]
}

export interface WhereAnswer {
  query: string
  at: string
  matched_by?: string
  vm?: VMView
  host?: HostView
  vnics?: VNICView[]
  mac_location?: MACLocation
  ip_location?: IPLocation
  stale_sources?: SourceState[]
}

export interface Attachment {
  vnic: string
  portgroup?: string
  vlan?: string
  pnic: string
  role: string
  switch?: string
  port?: string
  port_channel?: string
}

export interface MoveEvent {
  source: string
  time: string
  subject: string
  type: string
  user?: string
  message?: string
}

export interface Placement {
  host: string
  host_name: string
  from: string
  to?: string
  move?: MoveEvent
  attachment?: Attachment[]
}

export interface HistoryAnswer {
  query: string
  vm: string
  name: string
  placements: Placement[]
}

export interface VMImpact {
  vm: string
  name: string
  host?: string
  reasons: string[]
}

export interface ImpactAnswer {
  at: string
  target: string
  failed: string[]
  down: VMImpact[]
  degraded: VMImpact[]
  applications: { name: string; state: string; vms: number; vms_down: number; vms_degraded: number }[]
}

export interface VMRef {
  id: string
  name: string
  key: string
  power?: string
  host?: string
  cluster?: string
  applications?: string[]
}

export interface CabledPort {
  id: string
  switch: string
  port: string
  port_channel?: string
  mode?: string
  vlans?: string
  oper?: string
  evidence: string[]
  confidence: string
}

export interface HostAnswer {
  at: string
  host: HostView
  attrs?: Record<string, string>
  pnics: {
    id: string
    device: string
    mac?: string
    link?: string
    speed_mbps?: string
    vswitches?: string[]
    neighbors?: string[]
    ports: CabledPort[]
    vms: number
  }[]
  vswitches: {
    id: string
    kind: string
    name: string
    mtu?: string
    policy?: string
    uplinks: string[]
    portgroups: { id: string; name: string; vlan?: string; trunk?: string; vms: number }[]
  }[]
  vms: VMRef[]
  vlans: string[]
}

export interface SwitchPort {
  id: string
  kind: string
  name: string
  alias?: string
  admin?: string
  oper?: string
  speed_mbps?: string
  mtu?: string
  mode?: string
  access_vlan?: string
  native_vlan?: string
  allowed_vlans?: string
  port_channel?: string
  members?: string[]
  peer?: string
  neighbor?: string
  attached?: {
    pnic: string
    host: string
    device: string
    evidence: string[]
    confidence: string
    vms: string[]
    vm_count: number
  }[]
  macs: number
}

export interface SwitchAnswer {
  at: string
  id: string
  name: string
  attrs?: Record<string, string>
  ports: SwitchPort[]
  vlans: { vid: string; name?: string; ports: number }[]
  neighbors: string[]
  hosts: number
  vms: number
  health: SwitchHealth[]
}

/** SwitchHealth is what the latest run of one source read of a switch. */
export interface SwitchHealth {
  source: string
  address?: string
  taken: string
  outdated?: boolean
  summary: string
  skipped: number
  failed: number
  groups: HealthGroup[]
}

/** HealthGroup is one table group's line: "LLDP 6 neighbours". */
export interface HealthGroup {
  group: string
  label: string
  kept: number
  unit: string
  skipped: number
  failed: number
  text: string
  tables: HealthTable[]
}

export interface HealthTable {
  table: string
  rows: number
  kept: number
  skipped: number
  reasons?: Record<string, number>
  example?: string
  error?: string
  duration_ns: number
  text: string
}

export interface ApplicationAnswer {
  at: string
  id: string
  name: string
  vms: VMRef[]
  hosts: string[]
  clusters: string[]
}

export interface TopoNode {
  id: string
  kind: string
  label: string
  parent?: string
  role?: string
  state?: string
  vms: number
  hosts: number
  expandable: boolean
  page?: string
  key?: string
}

export interface TopoEdge {
  source: string
  target: string
  kind: string
  links: number
}

export interface TopologyAnswer {
  at: string
  group: string
  expanded: string[]
  nodes: TopoNode[]
  edges: TopoEdge[]
  totals: Record<string, number>
  truncated?: boolean
}

export interface Migration {
  vm: string
  name: string
  from_host: string
  to_host: string
}

export interface EntityChange {
  id: string
  kind: string
  name: string
  attrs?: Record<string, [string, string]>
}

export interface DiffAnswer {
  from: string
  to: string
  migrations: Migration[]
  added: EntityChange[]
  removed: EntityChange[]
  changed: EntityChange[]
  relations: { change: string; from: string; rel: string; to: string }[]
  counts: Record<string, number>
  /** The migrations in time order, with when and who (at empty when not looked up). */
  moves?: (Migration & { at?: string; user?: string; message?: string })[]
  /** Relation changes per VM, per entity, then per switch (forwarding and ARP tables). */
  churn?: ChurnGroup[]
  warnings?: string[]
}

export interface ChurnGroup {
  kind: 'vm' | 'other' | 'switch'
  id: string
  name: string
  added: number
  removed: number
  rels: Record<string, [number, number]>
}

export interface Finding {
  id: string
  rule: string
  severity: string
  subjects: string[]
  message: string
  evidence?: string[]
  fix?: string
}

export interface Ack {
  finding: string
  by: string
  at: string
  comment?: string
}

export interface FindingSeen {
  finding: string
  first_seen: string
  last_seen: string
}

export interface FindingsAnswer {
  at: string
  counts?: Record<string, number>
  findings: Finding[]
  acknowledged?: Record<string, Ack>
  /** when serve's checks first and last saw each finding, by id */
  seen?: Record<string, FindingSeen>
  /** the subjects' names, by entity ID */
  names?: Record<string, string>
}

export interface Principal {
  name: string
  role: string
  anonymous: boolean
}

export interface Traffic {
  bytes: number
  packets: number
  flows: number
}

export interface FlowNode {
  kind: string
  name?: string
  vm?: string
}

export interface DepEdge extends Traffic {
  src: FlowNode
  dst: FlowNode
  top_ports?: ({ proto: number; dst_port: number } & Traffic)[]
}

export interface DepsAnswer {
  target?: string
  target_kind: string
  from: string
  to: string
  level: string
  total: Traffic
  attributed: Traffic
  edges: DepEdge[]
  edges_omitted?: number
  top_talkers?: { class: string; vm?: string; name?: string; app?: string; addr?: string; bytes: number }[]
  unattributed?: ({ class: string; top_addrs?: ({ addr: string } & Traffic)[] } & Traffic)[]
}
