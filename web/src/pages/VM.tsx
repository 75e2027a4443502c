// The VM page: what it is (applications, host, power), each vNIC with its
// port group/VLAN and its physical path drawn end to end, where the
// switches learn its MACs, its migration timeline and its flows.

import { useEffect } from 'preact/hooks'
import { enc, type DepsAnswer, type HistoryAnswer, type WhereAnswer } from '../api'
import { useApi } from '../hooks'
import { A, Badge, KV, Section, StaleNote, Status } from '../components/common'
import { PathDiagram } from '../components/PathDiagram'
import { rendered } from '../perf'
import { duration, fmtTime, plusSeconds } from '../format'
import { setAt } from '../components/TimeControl'
import { FlowTable } from './Flows'
import { macPath } from '../vlanapi'
import { findingOf, type CutOffVM, type PathVerdict } from '../verdicts'

export function VMPage(props: { vm: string; at: string }) {
  const where = useApi<WhereAnswer>(`/where/${enc(props.vm)}`, { at: props.at })
  const w = where.data
  useEffect(() => {
    if (w && !where.loading) rendered('vm')
  }, [w, where.loading])
  if (w?.mac_location || w?.ip_location) {
    return <Status state={{ loading: false, error: new Error(`${props.vm} is no VM's: see its where page`) }} what="VM" />
  }
  return (
    <div class="page" data-testid="vm-page">
      <Status state={where} what={`VM ${props.vm}`} />
      {w?.vm && (
        <>
          <header class="page-head">
            <h1>
              <Badge kind="vm" /> <span data-testid="vm-name">{w.vm.name}</span>
              {w.vm.power && w.vm.power !== 'poweredOn' && <Badge kind="down">{w.vm.power}</Badge>}
            </h1>
            <div class="page-actions">
              {w.host && <A to={`/impact?target=${enc('host:' + w.host.name)}`}>Impact if its host fails</A>}
            </div>
          </header>
          <StaleNote sources={w.stale_sources} />
          <PathBanner vm={w.vm.name} verdict={(w as { working_path?: PathVerdict }).working_path} />
          <KV
            items={[
              [
                'Applications',
                w.vm.applications?.length ? (
                  <span class="list">
                    {w.vm.applications.map((a) => (
                      <A to={`/application/${enc(a)}`}>{a}</A>
                    ))}
                  </span>
                ) : (
                  <span class="muted">none</span>
                ),
              ],
              [
                'Host',
                w.host ? (
                  <A to={`/host/${enc(w.host.name)}`} testid="vm-host">
                    {w.host.name}
                  </A>
                ) : (
                  <span class="muted">unknown</span>
                ),
              ],
              ['Cluster', [w.host?.cluster, w.host?.datacenter].filter(Boolean).join(' · ')],
              ['Folder', w.vm.folder],
              ['Tags', w.vm.tags?.join(', ')],
              ['UUID', <code>{w.vm.id.replace(/^vm:/, '')}</code>],
              ['Sources', w.vm.sources.join(', ')],
            ]}
          />
          {(w.vnics ?? []).map((n) => (
            <Section
              title={
                <>
                  {n.label || 'vNIC'}{' '}
                  {n.mac && (
                    <A to={macPath(n.mac)} class="muted" testid="vnic-mac" title="Where the switches learned this MAC over time">
                      {n.mac}
                    </A>
                  )}{' '}
                  {n.portgroup && (
                    <Badge kind="vlan">
                      <A to={`/portgroup/${enc(n.portgroup.name)}`} testid="vnic-portgroup">
                        {n.portgroup.name}
                      </A>{' '}
                      ·{' '}
                      {n.portgroup.trunk ? (
                        `trunk ${n.portgroup.trunk}`
                      ) : n.portgroup.vlan && n.portgroup.vlan !== '0' ? (
                        <A to={`/vlan/${enc(n.portgroup.vlan)}`} testid="vnic-vlan">
                          VLAN {n.portgroup.vlan}
                        </A>
                      ) : (
                        `VLAN ${n.portgroup.vlan ?? '?'}`
                      )}
                    </Badge>
                  )}
                  {!n.connected && <Badge kind="down">disconnected</Badge>}
                  {(n as { working_path?: PathVerdict }).working_path?.state === 'none' && <Badge kind="critical">no working path</Badge>}
                </>
              }
            >
              <div class="diagram-scroll">
                <PathDiagram nic={n} />
              </div>
              <p class="note">
                {n.ips?.length ? <>IPs {n.ips.join(', ')}. </> : null}
                {n.learned?.length ? (
                  <>
                    Learned by the switches on{' '}
                    {n.learned.map((l, i) => (
                      <>
                        {i > 0 && ', '}
                        <A to={`/switch/${enc(l.switch)}?port=${enc(l.port_channel || l.port)}`}>
                          {l.switch} {l.port}
                          {l.port_channel ? ` (${l.port_channel})` : ''}
                        </A>
                        {l.vlan ? ` VLAN ${l.vlan}` : ''}
                      </>
                    ))}
                    {n.confirmed_by_fdb ? ': confirms the path.' : ': not behind its uplinks.'}
                  </>
                ) : (
                  'No switch forwarding table has its MAC on an edge port.'
                )}
              </p>
            </Section>
          ))}
          <Timeline vm={props.vm} at={props.at} />
          <VMFlows vm={props.vm} at={props.at} />
        </>
      )}
    </div>
  )
}

/** PathBanner says, above everything, that the VM has no working path now (or only a partial one), why, and links to the finding. */
function PathBanner(props: { vm: string; verdict?: PathVerdict }) {
  const v = props.verdict
  if (!v || (v.state !== 'none' && v.state !== 'partial')) return null
  return (
    <div class={v.state === 'none' ? 'error' : 'warn'} role="alert" data-testid="path-banner" data-state={v.state}>
      <strong>{v.state === 'none' ? 'NO WORKING PATH' : 'PARTIAL PATH'}</strong>: {v.reason}.{' '}
      {v.drops?.map((d) => (
        <>
          <A to={`/switch/${enc(d.switch)}?port=${enc(d.port_name)}`}>
            {d.switch} {d.port_name}
          </A>{' '}
          drops VLAN {d.vlan}.{' '}
        </>
      ))}
      <A to={findingOf(props.vm)} testid="path-finding">
        See the finding
      </A>
    </div>
  )
}

/** CutOffList is the host or switch page's list of the VMs with no working path now, each with why and a link to its finding. */
export function CutOffList(props: { cut: CutOffVM[] }) {
  if (props.cut.length === 0) return null
  return (
    <div class="error" role="alert" data-testid="cut-off">
      <strong>
        {props.cut.length} VM{props.cut.length > 1 ? 's have' : ' has'} NO WORKING PATH now
      </strong>
      <ul>
        {props.cut.map((c) => (
          <li data-testid="cut-off-vm" data-vm={c.name}>
            <A to={`/vm/${enc(c.name)}`}>{c.name}</A> on {c.host}: {c.reason} · <A to={findingOf(c.name)}>finding</A>
          </li>
        ))}
      </ul>
    </div>
  )
}

function Timeline(props: { vm: string; at: string }) {
  // /placements is /history without each placement's attachment (a map of
  // each past moment, costly on a large estate); "View the map then" shows it.
  const h = useApi<HistoryAnswer>(`/placements/${enc(props.vm)}`, { at: props.at })
  const ps = h.data?.placements ?? []
  return (
    <Section title="Placements and migrations" id="history">
      <Status state={h} what="history" />
      {h.data && ps.length === 0 && <p class="muted">No placement known.</p>}
      {ps.length > 0 && (
        <ol class="timeline" data-testid="timeline">
          {[...ps].reverse().map((p) => (
            <li class={p.to ? '' : 'current'} data-testid="placement" data-host={p.host_name}>
              <div class="timeline-when">
                {fmtTime(p.from)} → {p.to ? fmtTime(p.to) : 'now'} <span class="muted">({duration(p.from, p.to)})</span>
              </div>
              <div>
                on <A to={`/host/${enc(p.host_name)}`}>{p.host_name}</A>
                {p.move && (
                  <span class="muted">
                    {' '}
                    — {p.move.type === 'DrsVmMigratedEvent' ? 'moved by DRS' : `moved${p.move.user ? ' by ' + p.move.user : ''}`}
                  </span>
                )}
                {p.attachment?.length ? (
                  <span class="muted">
                    {' '}
                    · {p.attachment.map((a) => `${a.pnic}→${a.switch ? `${a.switch} ${a.port}` : '?'}`).join(', ')}
                  </span>
                ) : null}
              </div>
              <button type="button" class="link-button" data-testid="placement-view" onClick={() => setAt(plusSeconds(p.from, 1))}>
                View the map then
              </button>
            </li>
          ))}
        </ol>
      )}
    </Section>
  )
}

function VMFlows(props: { vm: string; at: string }) {
  const f = useApi<DepsAnswer>('/flows/deps', { target: props.vm, to: props.at })
  if (f.error && (f.error as { status?: number }).status === 404 && /no such endpoint/.test(f.error.message)) return null
  return (
    <Section title="Flows (last hour)" id="flows">
      <Status state={f} what="flows" />
      {f.data && <FlowTable deps={f.data} />}
    </Section>
  )
}
