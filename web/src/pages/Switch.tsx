// The switch page: its ports and port-channels with modes and VLANs, the
// host NICs cabled behind each and the VMs behind those, inter-switch
// links, the VLANs it knows, and what its last collection read (one line
// per table group, tables that skipped rows or failed on expand). ?port=
// highlights one port.

import { useEffect, useState } from 'preact/hooks'
import { enc, type SwitchAnswer, type SwitchHealth, type SwitchPort } from '../api'
import { useApi } from '../hooks'
import { A, Badge, KV, Section, Status } from '../components/common'
import { evidenceLabel } from '../diagram'
import { fmtTime } from '../format'
import { healthProblems, healthTitle, healthTone } from '../health'
import { portHistoryPath } from '../vlanapi'
import { rendered } from '../perf'
import { CutOffList } from './VM'
import { dropsBy, type CutOffVM } from '../verdicts'

function vlans(p: SwitchPort): string {
  if (p.mode === 'access') return `access ${p.access_vlan ?? ''}`
  if (p.mode === 'trunk') return `trunk ${p.allowed_vlans ?? ''}${p.native_vlan ? ` (native ${p.native_vlan})` : ''}`
  return p.mode ?? ''
}

const toneWord = { ok: 'ok', warning: 'partial', down: 'failed' }

/** Health is the collection health of one source: a line per table group, the problem tables on expand. */
function Health(props: { h: SwitchHealth }) {
  const h = props.h
  return (
    <div class="health" data-testid="switch-health" data-source={h.source}>
      <p class="muted small">
        {h.source}
        {h.address && ` at ${h.address}`}, {fmtTime(h.taken)}
        {h.outdated && (
          <>
            {' '}
            <Badge kind="degraded">not read by the later runs</Badge>
          </>
        )}
      </p>
      <ul class="health-lines">
        {h.groups.map((g) => {
          const problems = healthProblems(g)
          return (
            <li data-testid="health-line" data-group={g.group} title={problems.map(healthTitle).join('\n\n') || undefined}>
              <Badge kind={healthTone(g)}>{toneWord[healthTone(g)]}</Badge> {g.text}
              {problems.length > 0 && (
                <details class="small">
                  <summary>{problems.length === 1 ? 'the table' : `${problems.length} tables`}</summary>
                  <ul>
                    {problems.map((t) => (
                      <li title={healthTitle(t)} data-testid="health-table">
                        {t.text}
                        {t.example && <div class="muted">e.g. {t.example}</div>}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
            </li>
          )
        })}
      </ul>
    </div>
  )
}

export function SwitchPage(props: { sw: string; port: string; at: string }) {
  const s = useApi<SwitchAnswer>(`/switch/${enc(props.sw)}`, { at: props.at })
  const d = s.data
  const cut = (d as { cut_off?: CutOffVM[] } | undefined)?.cut_off ?? []
  const drops = dropsBy(cut, (x) => x.port)
  const [filter, setFilter] = useState('')
  const [all, setAll] = useState(false)
  useEffect(() => {
    if (d && !s.loading) {
      rendered('switch')
      if (props.port) document.getElementById(`port-${props.port}`)?.scrollIntoView({ block: 'center' })
    }
  }, [d, s.loading, props.port])
  const f = filter.trim().toLowerCase()
  const ports = (d?.ports ?? []).filter((p) => {
    if ((props.port && p.name === props.port) || drops.has(p.id)) return true
    if (!all && !p.attached?.length && !p.peer && !p.members?.length && p.oper !== 'up' && !f) return false
    if (!f) return true
    return [p.name, p.alias, p.neighbor, p.peer, p.port_channel, vlans(p), ...(p.attached ?? []).flatMap((a) => [a.host, a.device, ...a.vms])].some((x) =>
      x?.toLowerCase().includes(f),
    )
  })
  return (
    <div class="page" data-testid="switch-page">
      <Status state={s} what={`switch ${props.sw}`} />
      {d && (
        <>
          <header class="page-head">
            <h1>
              <Badge kind="switch" /> {d.name}
            </h1>
            <div class="page-actions">
              <A to={`/impact?target=${enc('switch:' + d.name)}`}>Impact if it fails</A>
              <A to={`/topology?group=switch`}>In the topology</A>
            </div>
          </header>
          <KV
            items={[
              ['Address', d.attrs?.address],
              ['Model', [d.attrs?.vendor, d.attrs?.model].filter(Boolean).join(' ')],
              ['Version', d.attrs?.version],
              ['Serial', d.attrs?.serial],
              [
                'Linked to',
                d.neighbors.length ? (
                  <span class="list">
                    {d.neighbors.map((n) => (
                      <A to={`/switch/${enc(n)}`}>{n}</A>
                    ))}
                  </span>
                ) : (
                  ''
                ),
              ],
              ['Behind it', `${d.hosts} hosts, ${d.vms} VMs`],
              ['Collection', (d.health ?? []).map((h) => <div data-testid="health-summary">{h.summary}</div>)],
            ]}
          />
          <CutOffList cut={cut} />
          <Section
            title="Ports"
            actions={
              <>
                <input class="filter" type="search" placeholder="Filter ports, hosts, VMs" aria-label="Filter ports" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
                <label class="small">
                  <input type="checkbox" checked={all} onChange={(e) => setAll((e.target as HTMLInputElement).checked)} /> unused ports too
                </label>
              </>
            }
          >
            <table class="table" data-testid="switch-ports">
              <thead>
                <tr>
                  <th>Port</th>
                  <th>State</th>
                  <th>VLANs</th>
                  <th>Bundle</th>
                  <th>Attached</th>
                  <th>VMs behind</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {ports.map((p) => (
                  <tr id={`port-${p.name}`} class={p.name === props.port ? 'highlight' : ''} data-testid="switch-port" data-port={p.name}>
                    <td>
                      <strong>{p.name}</strong>
                      {p.alias && <div class="muted small">{p.alias}</div>}
                    </td>
                    <td>
                      {p.oper === 'up' ? 'up' : <Badge kind="down">{p.oper ?? '?'}</Badge>}
                      {p.speed_mbps && <span class="muted small"> {Number(p.speed_mbps) / 1000} G</span>}
                      {p.mtu && <span class="muted small"> MTU {p.mtu}</span>}
                    </td>
                    <td class="small">
                      {vlans(p)}
                      {drops.has(p.id) && (
                        <div data-testid="port-drops">
                          <Badge kind="critical" title={`cuts off ${drops.get(p.id)!.vms.join(', ')}`}>
                            drops VLAN {drops.get(p.id)!.vlans.join(', ')}
                          </Badge>
                        </div>
                      )}
                    </td>
                    <td>
                      {p.port_channel && <A to={`/switch/${enc(d.name)}?port=${enc(p.port_channel)}`}>{p.port_channel}</A>}
                      {p.members?.length ? <span class="small">members {p.members.join(', ')}</span> : null}
                    </td>
                    <td>
                      {p.peer && (
                        <div>
                          switch <A to={`/switch/${enc(p.peer.split(' ')[0])}?port=${enc(p.peer.split(' ').slice(1).join(' '))}`}>{p.peer}</A>
                        </div>
                      )}
                      {(p.attached ?? []).map((a) => (
                        <div>
                          <A to={`/host/${enc(a.host)}`}>
                            {a.host} {a.device}
                          </A>{' '}
                          <span class="muted small">{evidenceLabel(a.evidence)}</span> <Badge kind={`conf-${a.confidence}`}>{a.confidence}</Badge>
                        </div>
                      ))}
                      {!p.peer && !p.attached?.length && p.neighbor && <span class="muted">{p.neighbor}</span>}
                    </td>
                    <td class="small">
                      {(p.attached ?? []).map((a) => (
                        <div>
                          {a.vms.map((v, i) => (
                            <>
                              {i > 0 && ', '}
                              <A to={`/vm/${enc(v)}`}>{v}</A>
                            </>
                          ))}
                          {a.vm_count > a.vms.length && <span class="muted"> and {a.vm_count - a.vms.length} more</span>}
                        </div>
                      ))}
                    </td>
                    <td>
                      <A to={`/impact?target=${enc((p.kind === 'portchannel' ? 'lag:' : 'port:') + d.name + '/' + p.name)}`}>impact</A>{' '}
                      <A to={portHistoryPath(d.name, p.name)} testid="port-history-link">
                        history
                      </A>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {!all && <p class="muted small">Ports with nothing attached and link down are hidden.</p>}
          </Section>
          <Section title="Collection health" id="collection">
            {d.health?.length ? (
              d.health.map((h) => <Health h={h} />)
            ) : (
              <p class="muted small">No source reports what each table of this switch answered.</p>
            )}
          </Section>
          <Section title={`VLANs (${d.vlans.length})`}>
            <ul class="chips">
              {d.vlans.map((v) => (
                <li>
                  <A to={`/vlan/${enc(v.vid)}`}>VLAN {v.vid}</A> {v.name && <span class="muted">{v.name}</span>}
                  <span class="count">{v.ports} ports</span>
                </li>
              ))}
            </ul>
          </Section>
        </>
      )}
    </div>
  )
}
