// The host page: its uplinks (pNICs) with the switch port behind each and
// the evidence, its virtual switches and port groups, the VLANs its VMs
// need, and its VMs.

import { useEffect } from 'preact/hooks'
import { enc, type HostAnswer } from '../api'
import { useApi } from '../hooks'
import { A, Badge, KV, Section, Status } from '../components/common'
import { evidenceLabel } from '../diagram'
import { rendered } from '../perf'
import { VMTable } from './Application'
import { CutOffList } from './VM'
import { dropsBy, type CutOffVM } from '../verdicts'

export function HostPage(props: { host: string; at: string }) {
  const s = useApi<HostAnswer>(`/host/${enc(props.host)}`, { at: props.at })
  const h = s.data
  const cut = (h as { cut_off?: CutOffVM[] } | undefined)?.cut_off ?? []
  const drops = dropsBy(cut, (d) => d.pnic)
  useEffect(() => {
    if (h && !s.loading) rendered('host')
  }, [h, s.loading])
  return (
    <div class="page" data-testid="host-page">
      <Status state={s} what={`host ${props.host}`} />
      {h && (
        <>
          <header class="page-head">
            <h1>
              <Badge kind="host" /> {h.host.name}
              {h.host.connection && h.host.connection !== 'connected' && <Badge kind="down">{h.host.connection}</Badge>}
            </h1>
            <div class="page-actions">
              <A to={`/impact?target=${enc('host:' + h.host.name)}`}>Impact if it fails</A>
              <A to={`/topology?group=cluster&expand=${enc(h.host.id)}`}>In the topology</A>
            </div>
          </header>
          <KV
            items={[
              ['Cluster', h.host.cluster],
              ['Datacenter', h.host.datacenter],
              ['Model', [h.attrs?.vendor, h.attrs?.model].filter(Boolean).join(' ')],
              ['Version', h.attrs?.version],
              ['Maintenance', h.attrs?.maintenance],
              ['VLANs used', h.vlans.join(', ')],
              ['VMs', String(h.vms.length)],
            ]}
          />
          <CutOffList cut={cut} />
          <Section title="Uplinks (physical NICs)">
            <table class="table" data-testid="host-pnics">
              <thead>
                <tr>
                  <th>NIC</th>
                  <th>Link</th>
                  <th>Virtual switch</th>
                  <th>Switch port</th>
                  <th>Port-channel</th>
                  <th>VLANs on the port</th>
                  <th>Evidence</th>
                  <th>VMs</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {h.pnics.map((p) => (
                  <tr data-testid="host-pnic" data-pnic={p.device} data-drops={drops.has(p.id) ? 'yes' : undefined}>
                    <td>
                      <strong>{p.device}</strong>
                      <div class="muted small">{p.mac}</div>
                    </td>
                    <td>
                      {p.link === 'down' ? <Badge kind="down">down</Badge> : p.link}
                      {p.speed_mbps && <span class="muted small"> {Number(p.speed_mbps) / 1000} G</span>}
                    </td>
                    <td>{p.vswitches?.join(', ')}</td>
                    <td>
                      {p.ports.length === 0 && <span class="muted">unknown{p.neighbors?.length ? ` (hint: ${p.neighbors.join(', ')})` : ''}</span>}
                      {p.ports.map((c) => (
                        <div>
                          <A to={`/switch/${enc(c.switch)}?port=${enc(c.port)}`}>
                            {c.switch} {c.port}
                          </A>
                          {c.oper && c.oper !== 'up' && <Badge kind="down">{c.oper}</Badge>}
                        </div>
                      ))}
                    </td>
                    <td>{p.ports.map((c) => c.port_channel).filter(Boolean).join(', ')}</td>
                    <td>
                      {p.ports.map((c) => [c.mode, c.vlans].filter(Boolean).join(' ')).join('; ')}
                      {drops.has(p.id) && (
                        <div data-testid="pnic-drops">
                          <Badge kind="critical" title={`cuts off ${drops.get(p.id)!.vms.join(', ')}`}>
                            drops VLAN {drops.get(p.id)!.vlans.join(', ')}
                          </Badge>
                        </div>
                      )}
                    </td>
                    <td>
                      {p.ports.map((c) => (
                        <div>
                          {evidenceLabel(c.evidence)} <Badge kind={`conf-${c.confidence}`}>{c.confidence}</Badge>
                        </div>
                      ))}
                    </td>
                    <td class="num">{p.vms}</td>
                    <td>
                      <A to={`/impact?target=${enc('pnic:' + p.id.replace(/^pnic:/, ''))}`} title="What fails if this NIC goes down">
                        impact
                      </A>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title="Virtual switches and port groups">
            {h.vswitches.map((v) => (
              <div class="vswitch">
                <h3>
                  {v.name} <span class="muted small">{v.kind === 'dvswitch' ? 'distributed' : 'standard'}</span>
                  {v.mtu && <span class="muted small"> · MTU {v.mtu}</span>}
                  {v.policy && <span class="muted small"> · {v.policy}</span>}
                  <span class="muted small"> · uplinks {v.uplinks.join(', ') || 'none'}</span>
                </h3>
                <ul class="chips">
                  {v.portgroups.map((pg) => (
                    <li>
                      {pg.vlan && !pg.trunk ? <A to={`/impact?target=${enc('vlan:' + pg.vlan)}`}>{pg.name}</A> : pg.name}{' '}
                      <span class="muted">{pg.trunk ? `trunk ${pg.trunk}` : `VLAN ${pg.vlan ?? '?'}`}</span>
                      {pg.vms > 0 && <span class="count">{pg.vms} VMs</span>}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </Section>
          <Section title={`VMs (${h.vms.length})`}>
            <VMTable vms={h.vms} hideHost />
          </Section>
        </>
      )}
    </div>
  )
}
