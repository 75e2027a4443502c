// The impact view: pick a switch, port, port-channel, host, pNIC or VLAN
// and see which VMs and applications go DOWN (no path left) and which are
// only DEGRADED (redundancy lost).

import { useEffect, useErrorBoundary, useMemo, useState } from 'preact/hooks'
import { enc, get, type ImpactAnswer, type Match, type SearchAnswer, type VMImpact } from '../api'
import { hostsWithin, impactByHost, impactLists } from '../answers'
import { useApi } from '../hooks'
import { A, Badge, EntityLink, Section, Status } from '../components/common'
import { navigate, href, currentAt } from '../router'
import { rendered } from '../perf'
import type { SwitchImpact } from '../verdicts'

const kinds: [string, string, string][] = [
  ['switch', 'Switch', 'leaf1'],
  ['port', 'Switch port', 'leaf1/Ethernet1/7'],
  ['lag', 'Port-channel', 'leaf1/Port-channel101'],
  ['host', 'Host', 'esx01'],
  ['pnic', 'Host NIC', 'esx01/vmnic0'],
  ['vlan', 'VLAN', '110'],
]

/** targetOf turns a search match into an impact target, when it can be one. */
function targetOf(m: Match): string | null {
  switch (m.kind) {
    case 'switch':
      return `switch:${m.key}`
    case 'host':
      return `host:${m.key}`
    case 'port':
      return `port:${m.key}/${m.port}`
    case 'portchannel':
      return `lag:${m.key}/${m.port}`
    case 'vlan':
      return m.key
  }
  return null
}

export function ImpactPage(props: { target: string; at: string }) {
  const [kind0, name0] = props.target.includes(':') ? [props.target.slice(0, props.target.indexOf(':')), props.target.slice(props.target.indexOf(':') + 1)] : ['switch', '']
  const [kind, setKind] = useState(kind0)
  const [name, setName] = useState(name0)
  const [suggest, setSuggest] = useState<string[]>([])
  useEffect(() => {
    setKind(kind0)
    setName(name0)
  }, [props.target])
  useEffect(() => {
    const q = name.trim()
    if (!q) return setSuggest([])
    const ctl = new AbortController()
    const t = setTimeout(
      () =>
        get<SearchAnswer>('/search', { q: kind === 'vlan' ? `vlan ${q}` : q.replace('/', ' '), limit: '20', at: currentAt() }, ctl.signal).then(
          (a) => setSuggest(a.matches.map(targetOf).filter((x): x is string => !!x && x.startsWith(kind + ':')).map((x) => x.slice(kind.length + 1))),
          () => {},
        ),
      120,
    )
    return () => {
      clearTimeout(t)
      ctl.abort()
    }
  }, [name, kind])

  const r = useApi<ImpactAnswer>(props.target ? `/impact/${props.target.split('/').map(enc).join('/')}` : null, { at: props.at })
  const d = useMemo(() => (r.data ? impactLists(r.data) : undefined), [r.data])
  // An answer the page cannot show is an error on the page, never a
  // "Loading…" that stays.
  const [failed, resetFailed] = useErrorBoundary()
  useEffect(() => {
    if (failed) resetFailed()
  }, [props.target, props.at])
  useEffect(() => {
    if (d && !r.loading) rendered('impact')
  }, [d, r.loading])
  const submit = (e: Event) => {
    e.preventDefault()
    if (name.trim()) navigate(href('/impact', { target: `${kind}:${name.trim()}` }))
  }
  return (
    <div class="page" data-testid="impact-page">
      <header class="page-head">
        <h1>Impact</h1>
      </header>
      <form class="impact-form" onSubmit={submit}>
        <label>
          What fails{' '}
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)} data-testid="impact-kind">
            {kinds.map(([k, label]) => (
              <option value={k}>{label}</option>
            ))}
          </select>
        </label>
        <input
          type="text"
          list="impact-suggest"
          data-testid="impact-name"
          aria-label="Name"
          placeholder={kinds.find((k) => k[0] === kind)?.[2]}
          value={name}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
        />
        <datalist id="impact-suggest">
          {suggest.map((s) => (
            <option value={s} />
          ))}
        </datalist>
        <button type="submit" data-testid="impact-go">
          Show impact
        </button>
      </form>
      {props.target && <Status state={r} what={`the impact of ${props.target}`} />}
      {failed && (
        <div class="error" role="alert" data-testid="error">
          Could not show the impact of {props.target}: {String((failed as Error).message ?? failed)}
        </div>
      )}
      {d && !failed && <ImpactResult d={d} />}
    </div>
  )
}

/** ImpactResult is what fails with the target: applications, VMs down and degraded, entities taken down. */
function ImpactResult(props: { d: ImpactAnswer }) {
  const { d } = props
  const fabric = (d as { fabric?: SwitchImpact[] | null }).fabric ?? []
  const isolated = fabric.filter((f) => f.state === 'isolated').length
  return (
    <>
      <p class="summary" data-testid="impact-summary">
        If <strong>{d.target}</strong> goes down: <Badge kind="down">{d.down.length} VMs down</Badge> <Badge kind="degraded">{d.degraded.length} VMs degraded</Badge>{' '}
        {d.applications.length} applications affected
        {fabric.length > 0 && (
          <>
            ; {fabric.length} switches lose fabric links{isolated > 0 && <>, {isolated} isolated</>}
          </>
        )}
        .
      </p>
      {fabric.length > 0 && <Fabric fabric={fabric} />}
      <Section title="Applications">
        {d.applications.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <ul class="chips" data-testid="impact-apps">
            {d.applications.map((a) => (
              <li data-state={a.state}>
                <Badge kind={a.state}>{a.state.toUpperCase()}</Badge> <A to={`/application/${enc(a.name)}`}>{a.name}</A>{' '}
                <span class="muted">
                  {a.vms_down} down, {a.vms_degraded} degraded of {a.vms}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title={`VMs by host: ${d.down.length} down, ${d.degraded.length} degraded`}>
        <ImpactByHost d={d} />
      </Section>
      <details>
        <summary>Taken down with it ({d.failed.length})</summary>
        <ul class="chips">
          {d.failed.map((f) => (
            <li>
              <EntityLink id={f} />
            </li>
          ))}
        </ul>
      </details>
    </>
  )
}

/** Fabric lists the switches that lose inter-switch links and those cut off from switches still up. */
function Fabric(props: { fabric: SwitchImpact[] }) {
  return (
    <Section title={`Fabric (${props.fabric.length} switches)`}>
      <table class="table" data-testid="impact-fabric">
        <thead>
          <tr>
            <th>Switch</th>
            <th>State</th>
            <th>Loses</th>
            <th>Keeps</th>
          </tr>
        </thead>
        <tbody>
          {props.fabric.map((f) => (
            <tr data-testid="impact-fabric-switch" data-switch={f.switch} data-state={f.state}>
              <td>
                <A to={`/switch/${enc(f.switch)}`}>{f.switch}</A>
              </td>
              <td>
                <Badge kind={f.state === 'isolated' ? 'down' : 'degraded'}>{f.state.toUpperCase()}</Badge>
              </td>
              <td class="small">
                {f.lost.map((l) => `${l.from_port} → ${l.to_switch} ${l.to_port}`).join(', ')}
                {f.cut_off?.length ? <div>cut off from {f.cut_off.join(', ')}: traffic of the VMs behind it to there (other racks, routed) is lost</div> : null}
              </td>
              <td class="num">{f.left} links</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  )
}

/** rowLimit is how many rows the VMs by host show before the rest is collapsed (whole hosts). */
const rowLimit = 300

/** ImpactByHost lists the VMs down and degraded under their host, with the counts per state. */
function ImpactByHost(props: { d: ImpactAnswer }) {
  const [all, setAll] = useState(false)
  const hosts = useMemo(() => impactByHost(props.d), [props.d])
  if (hosts.length === 0) return <p class="muted">None.</p>
  const n = all ? hosts.length : hostsWithin(hosts, rowLimit)
  const row = (v: VMImpact, state: string) => (
    <tr data-testid={`impact-${state}-vm`} data-vm={v.name} data-host={v.host ?? ''}>
      <td class="indent">
        <A to={`/vm/${enc(v.vm.replace(/^vm:/, ''))}`}>{v.name}</A>
      </td>
      <td>
        <Badge kind={state}>{state.toUpperCase()}</Badge>
      </td>
      <td class="small">{v.reasons.join('; ')}</td>
    </tr>
  )
  return (
    <>
      <table class="table" data-testid="impact-by-host">
        <thead>
          <tr>
            <th>Host / VM</th>
            <th>State</th>
            <th>Why</th>
          </tr>
        </thead>
        {hosts.slice(0, n).map((h) => (
          <tbody data-testid="impact-host" data-host={h.host} data-down={h.down.length} data-degraded={h.degraded.length}>
            <tr class="group-row">
              <th scope="rowgroup">{h.host ? <A to={`/host/${enc(h.host)}`}>{h.host}</A> : <span class="muted">host not known</span>}</th>
              <td colSpan={2}>
                {h.down.length > 0 && <Badge kind="down">{h.down.length} down</Badge>} {h.degraded.length > 0 && <Badge kind="degraded">{h.degraded.length} degraded</Badge>}
              </td>
            </tr>
            {h.down.map((v) => row(v, 'down'))}
            {h.degraded.map((v) => row(v, 'degraded'))}
          </tbody>
        ))}
      </table>
      {n < hosts.length && (
        <button type="button" class="link-button" data-testid="impact-show-all" onClick={() => setAll(true)}>
          Show all {hosts.length} hosts ({props.d.down.length + props.d.degraded.length} VMs)
        </button>
      )}
    </>
  )
}
