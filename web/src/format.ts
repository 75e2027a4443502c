// Formatting of times, sizes and IDs for display, and the time control's
// conversions. Pure functions (tested in format.test.ts).

/** localInput turns an ISO time into the value of a datetime-local input (local time, minutes). */
export function localInput(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso
  if (isNaN(d.getTime())) return ''
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

/** fromLocalInput turns a datetime-local value into an RFC 3339 UTC time for ?at=, or '' when invalid. */
export function fromLocalInput(v: string): string {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(v)) return ''
  const d = new Date(v)
  if (isNaN(d.getTime())) return ''
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** ago returns the RFC 3339 UTC time ms milliseconds before now. */
export function ago(ms: number, now = Date.now()): string {
  return new Date(now - ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** plusSeconds returns the RFC 3339 UTC time s seconds after iso. */
export function plusSeconds(iso: string, s: number): string {
  return new Date(new Date(iso).getTime() + s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * when describes an ?at= value for people: an RFC 3339 time in local time,
 * anything else (a duration such as 3d) as given.
 */
export function when(at: string): string {
  const d = new Date(at)
  if (!/^\d{4}-/.test(at) || isNaN(d.getTime())) return at
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** fmtTime formats an ISO time for tables: local date and time to the second. */
export function fmtTime(iso?: string): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (isNaN(d.getTime())) return iso
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
}

/** duration describes the time between two ISO moments (to: now when empty). */
export function duration(from: string, to?: string, now = Date.now()): string {
  const ms = (to ? new Date(to).getTime() : now) - new Date(from).getTime()
  if (!(ms >= 0)) return ''
  const m = Math.floor(ms / 60000)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ${m % 60} min`
  return `${Math.floor(h / 24)} d ${h % 24} h`
}

/** bytes formats a byte count with a binary-free SI unit (kB, MB, …). */
export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']
  let i = 0
  let v = n
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

/** key returns the part of a model ID after its kind ("host:esx01" → "esx01"). */
export function key(id: string): string {
  const i = id.indexOf(':')
  return i < 0 ? id : id.slice(i + 1)
}

/** kindOf returns the kind of a model ID ("host:esx01" → "host"). */
export function kindOf(id: string): string {
  const i = id.indexOf(':')
  return i < 0 ? '' : id.slice(0, i)
}

/**
 * pageOf returns the in-app path that shows the entity id, when there is
 * one: VMs by UUID, hosts, switches (ports and port-channels on their
 * switch's page), pNICs on their host, applications, MACs and IPs.
 */
export function pageOf(id: string): string | null {
  const k = key(id)
  const e = encodeURIComponent
  switch (kindOf(id)) {
    case 'vm':
      return `/vm/${e(k)}`
    case 'vnic':
      return `/vm/${e(k.split('/')[0])}`
    case 'host':
      return `/host/${e(k)}`
    case 'pnic':
      return `/host/${e(k.split('/')[0])}`
    case 'switch':
      return `/switch/${e(k)}`
    case 'port':
    case 'portchannel': {
      const i = k.indexOf('/')
      return i < 0 ? `/switch/${e(k)}` : `/switch/${e(k.slice(0, i))}?port=${e(k.slice(i + 1))}`
    }
    case 'application':
      return `/application/${e(k)}`
    case 'mac':
    case 'ip':
      return `/where/${e(k)}`
  }
  return null
}

/** pageOfMatch returns the in-app path of a search match. */
export function pageOfMatch(m: { page: string; key: string; port?: string }): string {
  const e = encodeURIComponent
  switch (m.page) {
    case 'impact':
      return `/impact?target=${e(m.key)}`
    case 'topology':
      return `/topology?group=cluster&expand=${e(m.key)}`
    case 'switch':
      return `/switch/${e(m.key)}` + (m.port ? `?port=${e(m.port)}` : '')
    default:
      return `/${m.page}/${e(m.key)}`
  }
}
