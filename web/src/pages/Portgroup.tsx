// The port-group page: every port group of a name, its VLAN and teaming,
// on each host the uplinks it uses with their switch ports and whether
// each carries its VLAN, the gaps and its VMs.

import { useEffect } from 'preact/hooks'
import { enc } from '../api'
import type { PortgroupAnswer } from '../vlanapi'
import { useApi } from '../hooks'
import { A, Badge, KV, Section, Status } from '../components/common'
import { VMTable } from './Application'
import { GapTable, StateBadge } from './VLAN'
import { rendered } from '../perf'

export function PortgroupPage(props: { name: string; at: string }) {
  const s = useApi<PortgroupAnswer>(`/portgroup/${enc(props.name)}`, { at: props.at })
  const a = s.data
  useEffect(() => {
    if (a && !s.loading) rendered('portgroup')
  }, [a, s.loading])
  return (
    <div class="page" data-testid="portgroup-page">
      <Status state={s} what={`port group ${props.name}`} />
      {a && (
        <>
          <header class="page-head">
            <h1>
              <Badge kind="vlan">port group</Badge> {a.name}
            </h1>
          </header>
          <KV
            items={[
              [
                'VLAN',
                <span class="list">
                  {a.vlans.map((v) =>
                    /^\d+$/.test(v) && v !== '0' ? (
                      <A to={`/vlan/${enc(v)}`} testid="portgroup-vlan">
                        VLAN {v}
                      </A>
                    ) : (
                      <span>{v}</span>
                    ),
                  )}
                </span>,
              ],
              ['Port groups', String(a.portgroups.length)],
              ['VMs', String(a.vm_count)],
            ]}
          />
          <Section title={`Gaps (${a.gaps.length})`}>
            <GapTable gaps={a.gaps} />
          </Section>
          {a.portgroups.map((p) => (
            <Section
              title={
                <>
                  {p.switch} <span class="muted">{p.switch_kind === 'dvswitch' ? 'distributed' : 'standard'}</span>{' '}
                  <span class="muted small">
                    {[p.trunk ? `trunk ${p.trunk}` : p.vlan ? `VLAN ${p.vlan}` : '', p.policy, p.active?.length ? `active ${p.active.join(', ')}` : '', p.standby?.length ? `standby ${p.standby.join(', ')}` : '']
                      .filter(Boolean)
                      .join(' · ')}
                  </span>
                </>
              }
            >
              <table class="table" data-testid="portgroup-uplinks">
                <thead>
                  <tr>
                    <th>Host</th>
                    <th>State</th>
                    <th>Uplink</th>
                    <th>Role</th>
                    <th>Switch port</th>
                    <th>Carries the VLAN</th>
                  </tr>
                </thead>
                <tbody>
                  {p.hosts.flatMap((h) =>
                    (h.uplinks.length ? h.uplinks : [null]).flatMap((u) =>
                      (u?.ports?.length ? u.ports : [null]).map((port) => (
                        <tr data-testid="portgroup-uplink" data-host={h.host} data-pnic={u?.device ?? ''} data-carries={port?.carries_vlan ?? ''}>
                          <td>
                            <A to={`/host/${enc(h.host)}`}>{h.host}</A>
                          </td>
                          <td>
                            <StateBadge state={h.state} />
                          </td>
                          <td>{u?.device ?? <span class="muted">no uplink</span>}</td>
                          <td>{u && <Badge kind={u.role}>{u.role}</Badge>}</td>
                          <td>
                            {port ? (
                              <A to={`/switch/${enc(port.switch)}?port=${enc(port.port)}`}>
                                {port.switch} {port.port}
                                {port.port_channel ? ` (${port.port_channel})` : ''}
                              </A>
                            ) : (
                              u && <span class="muted">unknown</span>
                            )}
                          </td>
                          <td>{port && (port.carries_vlan === 'no' ? <Badge kind="down">no</Badge> : port.carries_vlan)}</td>
                        </tr>
                      )),
                    ),
                  )}
                </tbody>
              </table>
              {p.host_count > p.hosts.length && <p class="muted small">The first {p.hosts.length} of {p.host_count} hosts.</p>}
            </Section>
          ))}
          <Section title={`VMs (${a.vm_count})`}>
            <VMTable vms={a.vms} />
            {a.vm_count > a.vms.length && <p class="muted small">The first {a.vms.length} of {a.vm_count}.</p>}
          </Section>
        </>
      )}
    </div>
  )
}
