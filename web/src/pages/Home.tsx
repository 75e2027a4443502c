// The home page: the search box, what the map holds, the sources' state,
// and the way to every view. Also the where page of a MAC or IP that is no
// VM's.

import { useEffect, useMemo, useState } from 'preact/hooks'
import { enc, get, type FindingsAnswer, type SourceState, type Summary, type WhereAnswer } from '../api'
import { firstRunPending, sourceState, summaryLists } from '../answers'
import { useApi } from '../hooks'
import { A, Badge, Section, Status } from '../components/common'
import { Search } from '../components/Search'
import { fmtTime } from '../format'
import { navigate, keepAt } from '../router'
import { rendered } from '../perf'
import { severityCounts } from '../verdicts'

/** pollFirstRun is how often the home page asks the summary again while a source's first run is under way. */
const pollFirstRun = 3000

const kindsShown = ['application', 'vm', 'host', 'cluster', 'switch', 'port', 'portchannel', 'vlan', 'portgroup', 'dvswitch']

export function HomePage(props: { at: string }) {
  const first = useApi<Summary>('/summary', { at: props.at })
  // While a source has not finished its first run, the summary of now is
  // asked again: the counts and states fill in as collection goes.
  const [later, setLater] = useState<{ at: string; data: Summary } | undefined>()
  const latest = later?.at === props.at ? later.data : first.data
  const data = useMemo(() => (latest ? summaryLists(latest) : undefined), [latest])
  const s = { ...first, data }
  useEffect(() => {
    if (!data || props.at || !firstRunPending(data)) return
    const ctl = new AbortController()
    const t = setTimeout(
      () =>
        get<Summary>('/summary', {}, ctl.signal).then(
          (d) => setLater({ at: '', data: d }),
          () => {},
        ),
      pollFirstRun,
    )
    return () => {
      clearTimeout(t)
      ctl.abort()
    }
  }, [data, props.at])
  useEffect(() => {
    if (s.data && !s.loading) rendered('home')
  }, [s.data, s.loading])
  return (
    <div class="page" data-testid="home-page">
      <div class="hero">
        <h1>Where is it, and what is behind it?</h1>
        <Search autofocus big />
      </div>
      <Status state={s} what="the summary" />
      {s.data && (
        <>
          <ul class="counts" data-testid="counts">
            {kindsShown
              .filter((k) => s.data!.counts[k])
              .map((k) => (
                <li>
                  <strong>{s.data!.counts[k].toLocaleString()}</strong> {k === 'vm' ? 'VMs' : k + (s.data!.counts[k] > 1 ? 's' : '')}
                </li>
              ))}
          </ul>
          <OpenFindings at={props.at} />
          <div class="cards">
            <A to="/topology" class="card">
              <strong>Topology</strong>
              <span>Clusters, racks and applications over the switches; expand on demand. (t)</span>
            </A>
            <A to="/impact" class="card">
              <strong>Impact</strong>
              <span>What goes down, what loses redundancy, if a switch, port, host or VLAN fails. (i)</span>
            </A>
            <A to="/findings" class="card">
              <strong>Findings</strong>
              <span>Misconfigurations, single points of failure, sources that disagree. (f)</span>
            </A>
            <A to="/diff" class="card">
              <strong>Changes</strong>
              <span>Migrations and changes between two moments. (c)</span>
            </A>
            <A to="/flows" class="card">
              <strong>Flows</strong>
              <span>Which applications talk to which. (w)</span>
            </A>
          </div>
          <Section title="Sources">
            {s.data.sources.length === 0 && <p class="muted" data-testid="no-sources">No source has been collected yet.</p>}
            <table class="table" data-testid="sources">
              <thead>
                <tr>
                  <th>Source</th>
                  <th>Last success</th>
                  <th>Last attempt</th>
                  <th>State</th>
                </tr>
              </thead>
              <tbody>
                {s.data.sources.map((src) => (
                  <tr data-testid="source" data-name={src.name} data-state={sourceState(src)}>
                    <td>{src.name}</td>
                    <td>{fmtTime(src.last_success)}</td>
                    <td>{src.last_attempt ? fmtTime(src.last_attempt) : <span class="muted">never</span>}</td>
                    <td>
                      <SourceBadge src={src} />
                      {(src.skipped_rows ?? 0) + (src.failed_tables ?? 0) > 0 && (
                        <span class="muted small" data-testid="source-skipped">
                          {' '}
                          {src.skipped_rows ?? 0} rows skipped, {src.failed_tables ?? 0} tables failed
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </>
      )}
    </div>
  )
}

/** criticalShown bounds the critical findings the home page lists. */
const criticalShown = 5

/** OpenFindings shows the open findings by severity, each count linking to the findings of that severity, and the first critical ones. */
function OpenFindings(props: { at: string }) {
  const r = useApi<FindingsAnswer>('/findings', { at: props.at })
  if (!r.data) return null
  const all = r.data.findings ?? []
  const counts = severityCounts(all)
  const critical = all.filter((f) => f.severity === 'critical')
  return (
    <Section title="Open findings">
      {counts.length === 0 && <p class="muted">None: the map shows no problem.</p>}
      <ul class="counts" data-testid="findings-by-severity">
        {counts.map(([sev, n]) => (
          <li data-severity={sev}>
            <A to={`/findings?severity=${sev}`}>
              <Badge kind={sev}>
                {n} {sev}
              </Badge>
            </A>
          </li>
        ))}
      </ul>
      {critical.length > 0 && (
        <ul data-testid="critical-findings">
          {critical.slice(0, criticalShown).map((f) => (
            <li>
              <A to={`/findings?rule=${enc(f.rule)}&q=${enc(f.message.slice(0, 60))}`}>{f.message}</A>
            </li>
          ))}
          {critical.length > criticalShown && (
            <li>
              <A to="/findings?severity=critical">and {critical.length - criticalShown} more</A>
            </li>
          )}
        </ul>
      )}
    </Section>
  )
}

/** SourceBadge says how a source stands; a stale one with its last error (also while it is collected again). */
function SourceBadge(props: { src: SourceState }) {
  const { src } = props
  const state = sourceState(src)
  const stale = src.stale && (
    <Badge kind="down" title={src.last_error}>
      stale: {src.last_error}
    </Badge>
  )
  switch (state) {
    case 'collecting':
      return (
        <>
          <Badge kind="info">{src.last_attempt ? 'collecting' : 'collecting (first run)'}</Badge> {stale}
        </>
      )
    case 'never collected yet':
      return <Badge kind="info">never collected yet</Badge>
    case 'stale':
      return stale || <Badge kind="down">stale</Badge>
  }
  // A run that went on without part of what it reads (VM tags of a
  // vCenter without the tagging endpoint) leaves its facts fresh and says
  // what it missed.
  if (src.last_error)
    return (
      <Badge kind="warning" title={src.last_error}>
        ok, partly: {src.last_error}
      </Badge>
    )
  return <Badge kind="ok">ok</Badge>
}

export function WherePage(props: { x: string; at: string }) {
  const w = useApi<WhereAnswer>(`/where/${enc(props.x)}`, { at: props.at })
  const d = w.data
  useEffect(() => {
    if (d?.vm) navigate(keepAt(`/vm/${enc(d.vm.id.replace(/^vm:/, ''))}`), { replace: true })
    else if (d && !w.loading) rendered('where')
  }, [d, w.loading])
  const m = d?.mac_location
  const ip = d?.ip_location
  return (
    <div class="page" data-testid="where-page">
      <header class="page-head">
        <h1>{props.x}</h1>
      </header>
      <Status state={w} what={props.x} />
      {ip && (
        <Section title="ARP entries">
          <table class="table">
            <thead>
              <tr>
                <th>Switch</th>
                <th>Interface</th>
                <th>VLAN</th>
                <th>MAC</th>
              </tr>
            </thead>
            <tbody>
              {ip.arp.map((a) => (
                <tr>
                  <td>
                    <A to={`/switch/${enc(a.switch)}`}>{a.switch}</A>
                  </td>
                  <td>{a.interface}</td>
                  <td>{a.vlan}</td>
                  <td>
                    <A to={`/where/${enc(a.mac)}`}>{a.mac}</A>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
      {[...(m ? [m] : []), ...(ip?.macs ?? [])].map((l) => (
        <Section title={`Where the switches learn ${l.mac}`}>
          {l.pnic && (
            <p>
              It is the MAC of host NIC <A to={`/host/${enc(l.pnic.replace(/^pnic:/, '').split('/')[0])}`}>{l.pnic.replace(/^pnic:/, '')}</A>.
            </p>
          )}
          {l.until && <p class="warn">No switch has it any more: last learned until {fmtTime(l.until)}.</p>}
          <table class="table">
            <thead>
              <tr>
                <th>Switch</th>
                <th>Port</th>
                <th>Port-channel</th>
                <th>VLAN</th>
                <th>Edge</th>
              </tr>
            </thead>
            <tbody>
              {l.learned.map((x) => (
                <tr>
                  <td>
                    <A to={`/switch/${enc(x.switch)}`}>{x.switch}</A>
                  </td>
                  <td>
                    <A to={`/switch/${enc(x.switch)}?port=${enc(x.port)}`}>{x.port}</A>
                  </td>
                  <td>{x.port_channel}</td>
                  <td>{x.vlan}</td>
                  <td>{x.edge ? 'edge port' : 'inter-switch link'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      ))}
    </div>
  )
}
