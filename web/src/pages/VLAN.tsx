// The VLAN page: where the VLAN is defined (switches), carried (access
// ports, trunks, port-channels), missing (hosts whose port group is on it
// while an uplink's switch port drops it), its port groups, hosts and VMs.

import { useEffect } from 'preact/hooks'
import { enc } from '../api'
import type { VLANAnswer, VLANGap } from '../vlanapi'
import { useApi } from '../hooks'
import { A, Badge, KV, Section, Status } from '../components/common'
import { VMTable } from './Application'
import { rendered } from '../perf'

/** StateBadge shows a VLAN's state on a host: ok, gap or unknown. */
export function StateBadge(props: { state?: string }) {
  if (!props.state) return null
  const kind = props.state === 'gap' ? 'down' : props.state === 'unknown' ? 'warning' : 'ok'
  return <Badge kind={kind}>{props.state}</Badge>
}

/** GapTable lists the uplinks whose switch port drops their port group's VLAN. */
export function GapTable(props: { gaps: VLANGap[] }) {
  if (!props.gaps.length) return <p class="muted" data-testid="no-gaps">No gap: every active and standby uplink's switch port carries the VLAN.</p>
  return (
    <table class="table" data-testid="vlan-gaps">
      <thead>
        <tr>
          <th>Host</th>
          <th>Port group</th>
          <th>Uplink</th>
          <th>Switch port (does not carry VLAN)</th>
        </tr>
      </thead>
      <tbody>
        {props.gaps.map((g) => (
          <tr data-testid="vlan-gap" data-host={g.host} data-port={`${g.switch} ${g.port}`}>
            <td>
              <A to={`/host/${enc(g.host)}`}>{g.host}</A>
            </td>
            <td>
              <A to={`/portgroup/${enc(g.portgroup)}`}>{g.portgroup}</A> <span class="muted">VLAN {g.vlan}</span>
            </td>
            <td>
              {g.pnic} <Badge kind={g.role}>{g.role}</Badge>
            </td>
            <td>
              <A to={`/switch/${enc(g.switch)}?port=${enc(g.port_channel || g.port)}`}>
                {g.switch} {g.port}
                {g.port_channel ? ` (${g.port_channel})` : ''}
              </A>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function VLANPage(props: { vid: string; at: string }) {
  const s = useApi<VLANAnswer>(`/vlan/${enc(props.vid)}`, { at: props.at })
  const v = s.data
  useEffect(() => {
    if (v && !s.loading) rendered('vlan')
  }, [v, s.loading])
  return (
    <div class="page" data-testid="vlan-page">
      <Status state={s} what={`VLAN ${props.vid}`} />
      {v && (
        <>
          <header class="page-head">
            <h1>
              <Badge kind="vlan" /> VLAN {v.vid} {v.names.length > 0 && <span class="muted">{v.names.join(', ')}</span>}
            </h1>
            <div class="page-actions">
              <A to={`/impact?target=${enc('vlan:' + v.vid)}`} testid="vlan-impact">
                Impact of losing it
              </A>
            </div>
          </header>
          {v.on_no_switch && (
            <div class="error" role="alert" data-testid="vlan-on-no-switch">
              Port groups use VLAN {v.vid}, but no switch defines it.
            </div>
          )}
          <KV
            items={[
              ['Defined on', v.switches.filter((x) => x.defined).map((x) => x.name).join(', ') || 'no switch'],
              ['Port groups', String(v.portgroups.length)],
              ['Hosts', `${v.hosts.length}${v.gaps.length ? ` (${new Set(v.gaps.map((g) => g.host)).size} with a gap)` : ''}`],
              ['VMs', String(v.vm_count)],
            ]}
          />
          <Section title={`Gaps (${v.gaps.length})`} id="gaps">
            <GapTable gaps={v.gaps} />
          </Section>
          <Section title="Switches and the ports that carry it">
            <table class="table" data-testid="vlan-switches">
              <thead>
                <tr>
                  <th>Switch</th>
                  <th>Defined</th>
                  <th>Ports carrying it</th>
                </tr>
              </thead>
              <tbody>
                {v.switches.map((x) => (
                  <tr data-testid="vlan-switch" data-switch={x.name}>
                    <td>
                      <A to={`/switch/${enc(x.name)}`}>{x.name}</A>
                    </td>
                    <td>{x.defined ? <>yes {x.vlan_name && <span class="muted">{x.vlan_name}</span>}</> : <Badge kind="warning">not defined</Badge>}</td>
                    <td class="small">
                      <span class="list">
                        {x.ports.map((p) => (
                          <A to={`/switch/${enc(x.name)}?port=${enc(p.name)}`} testid="vlan-port" title={[p.mode, p.native ? 'native' : '', p.peer ? `to ${p.peer}` : '', ...(p.attached ?? [])].filter(Boolean).join(' · ')}>
                            {p.name}
                            {p.kind === 'portchannel' ? ' (bundle)' : ''} <span class="muted">{p.mode === 'access' ? 'access' : p.native ? 'native' : 'tagged'}</span>
                          </A>
                        ))}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title={`Port groups (${v.portgroups.length})`}>
            <table class="table" data-testid="vlan-portgroups">
              <thead>
                <tr>
                  <th>Port group</th>
                  <th>Virtual switch</th>
                  <th>VLAN</th>
                  <th>Hosts</th>
                  <th>VMs</th>
                </tr>
              </thead>
              <tbody>
                {v.portgroups.map((p) => (
                  <tr>
                    <td>
                      <A to={`/portgroup/${enc(p.name)}`}>{p.name}</A>
                    </td>
                    <td>
                      {p.switch}
                      {p.host && (
                        <>
                          {' '}
                          on <A to={`/host/${enc(p.host)}`}>{p.host}</A>
                        </>
                      )}
                    </td>
                    <td>{p.trunk ? `trunk ${p.trunk}` : p.vlan}</td>
                    <td>{p.hosts}</td>
                    <td>{p.vms}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title={`Hosts (${v.hosts.length})`}>
            <table class="table" data-testid="vlan-hosts">
              <thead>
                <tr>
                  <th>Host</th>
                  <th>Cluster</th>
                  <th>State</th>
                  <th>Port groups</th>
                </tr>
              </thead>
              <tbody>
                {v.hosts.map((h) => (
                  <tr data-testid="vlan-host" data-host={h.host} data-state={h.state}>
                    <td>
                      <A to={`/host/${enc(h.host)}`}>{h.host}</A>
                    </td>
                    <td>{h.cluster}</td>
                    <td>
                      <StateBadge state={h.state} />
                    </td>
                    <td>{h.portgroups.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section title={`VMs (${v.vm_count})`}>
            <VMTable vms={v.vms} />
            {v.vm_count > v.vms.length && <p class="muted small">The first {v.vms.length} of {v.vm_count}.</p>}
          </Section>
        </>
      )}
    </div>
  )
}
