// Port and MAC history, as Netdisco's port and node logs: what a switch
// port saw over time (MACs, the VMs that have them, LLDP/CDP neighbours),
// and where a MAC was learned over time, its vendor and ARP addresses.
// Long histories are paged (?offset=).

import { useEffect } from 'preact/hooks'
import { enc } from '../api'
import { macPath, type MACHistoryAnswer, type Page, type PortHistoryAnswer } from '../vlanapi'
import { useApi } from '../hooks'
import { A, Badge, KV, Section, Status } from '../components/common'
import { duration, fmtTime } from '../format'
import { href } from '../router'
import { rendered } from '../perf'

/** Pager links to the previous and next pages of a history. */
function Pager(props: { page: Page; shown: number; path: string }) {
  const { page, shown } = props
  if (page.total <= shown && page.offset === 0) return null
  return (
    <p class="pager" data-testid="pager">
      {page.offset + 1}–{page.offset + shown} of {page.total}{' '}
      {page.offset > 0 && (
        <a href={href(props.path, { offset: String(Math.max(0, page.offset - page.limit)) })} data-testid="pager-prev">
          newer
        </a>
      )}{' '}
      {!!page.next_offset && (
        <a href={href(props.path, { offset: String(page.next_offset) })} data-testid="pager-next">
          older
        </a>
      )}
    </p>
  )
}

function Interval(props: { from: string; to?: string }) {
  return (
    <>
      <td class="small">{fmtTime(props.from)}</td>
      <td class="small">{props.to ? fmtTime(props.to) : <Badge kind="ok">now</Badge>}</td>
      <td class="small muted">{duration(props.from, props.to)}</td>
    </>
  )
}

export function PortHistoryPage(props: { sw: string; port: string; offset: string; at: string }) {
  const path = `/history/port/${enc(props.sw)}/${props.port.split('/').map(enc).join('/')}`
  const s = useApi<PortHistoryAnswer>(path, { at: props.at, offset: props.offset })
  const a = s.data
  useEffect(() => {
    if (a && !s.loading) rendered('port-history')
  }, [a, s.loading])
  return (
    <div class="page" data-testid="port-history-page">
      <Status state={s} what={`the history of ${props.sw} ${props.port}`} />
      {a && (
        <>
          <header class="page-head">
            <h1>
              <Badge kind="port" /> {a.switch} {a.port} <span class="muted">history</span>
            </h1>
            <div class="page-actions">
              <A to={`/switch/${enc(a.switch)}?port=${enc(a.port)}`}>The port now</A>
            </div>
          </header>
          <KV
            items={[
              ['With', a.related?.join(', ')],
              [
                'Cabled to',
                a.cabled.map((c) => (
                  <div>
                    <A to={`/host/${enc(c.pnic.split('/')[0])}`}>{c.pnic}</A> <span class="muted small">{c.evidence.join(', ')}</span>
                  </div>
                )),
              ],
              ['Entries', String(a.total)],
            ]}
          />
          <Section title="What the port saw">
            <table class="table" data-testid="port-history">
              <thead>
                <tr>
                  <th>From</th>
                  <th>To</th>
                  <th>For</th>
                  <th>Port</th>
                  <th>Saw</th>
                  <th>VLAN</th>
                  <th>Vendor</th>
                  <th>Who</th>
                </tr>
              </thead>
              <tbody>
                {a.entries.map((e) => (
                  <tr data-testid="port-history-entry" data-kind={e.kind} data-mac={e.mac ?? ''} data-vm={e.vm?.name ?? ''}>
                    <Interval from={e.from} to={e.to} />
                    <td>{e.port}</td>
                    <td>{e.kind === 'learned' && e.mac ? <A to={macPath(e.mac)}>{e.mac}</A> : <span class="muted">{e.neighbor}</span>}</td>
                    <td>{e.vlan}</td>
                    <td class="small">{e.vendor}</td>
                    <td>
                      {e.vm ? <A to={`/vm/${enc(e.vm.key)}`}>{e.vm.name}</A> : e.pnic ? <A to={`/host/${enc(e.pnic.split('/')[0])}`}>{e.pnic}</A> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {a.entries.length === 0 && <p class="muted">No MAC learned and no neighbour reported on this port in the stored history.</p>}
            <Pager page={a} shown={a.entries.length} path={window.location.pathname} />
          </Section>
        </>
      )}
    </div>
  )
}

export function MACPage(props: { mac: string; offset: string; at: string }) {
  const s = useApi<MACHistoryAnswer>(`/history/mac/${enc(props.mac)}`, { at: props.at, offset: props.offset })
  const a = s.data
  useEffect(() => {
    if (a && !s.loading) rendered('mac')
  }, [a, s.loading])
  return (
    <div class="page" data-testid="mac-page">
      <Status state={s} what={`MAC ${props.mac}`} />
      {a && (
        <>
          <header class="page-head">
            <h1>
              <Badge kind="mac">MAC</Badge> {a.mac}
            </h1>
            <div class="page-actions">
              <A to={`/where/${enc(a.mac)}`}>Where now</A>
            </div>
          </header>
          <KV
            items={[
              ['Vendor', <span data-testid="mac-vendor">{a.vendor || 'unknown'}</span>],
              ['VM', a.vm && <A to={`/vm/${enc(a.vm.key)}`}>{a.vm.name}</A>],
              ['Host NIC', a.pnic && <A to={`/host/${enc(a.pnic.split('/')[0])}`}>{a.pnic}</A>],
              ['Addresses', [...new Set(a.arp.map((x) => x.ip))].join(', ')],
            ]}
          />
          <Section title="Learned on">
            <table class="table" data-testid="mac-learned">
              <thead>
                <tr>
                  <th>From</th>
                  <th>To</th>
                  <th>For</th>
                  <th>Switch port</th>
                  <th>VLAN</th>
                  <th>Link</th>
                </tr>
              </thead>
              <tbody>
                {a.learned.map((l) => (
                  <tr data-testid="mac-learned-entry" data-port={`${l.switch} ${l.port}`}>
                    <Interval from={l.from} to={l.to} />
                    <td>
                      <A to={`/switch/${enc(l.switch)}?port=${enc(l.port)}`}>
                        {l.switch} {l.port}
                        {l.port_channel ? ` (${l.port_channel})` : ''}
                      </A>
                    </td>
                    <td>{l.vlan}</td>
                    <td>{l.edge ? 'edge' : <span class="muted">inter-switch</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {a.learned.length === 0 && <p class="muted">No switch learned this MAC in the stored history.</p>}
            <Pager page={a} shown={a.learned.length} path={window.location.pathname} />
          </Section>
          {a.arp.length > 0 && (
            <Section title="ARP entries">
              <table class="table" data-testid="mac-arp">
                <thead>
                  <tr>
                    <th>From</th>
                    <th>To</th>
                    <th>For</th>
                    <th>Switch</th>
                    <th>IP</th>
                    <th>Interface</th>
                    <th>VLAN</th>
                  </tr>
                </thead>
                <tbody>
                  {a.arp.map((x) => (
                    <tr>
                      <Interval from={x.from} to={x.to} />
                      <td>{x.switch}</td>
                      <td>{x.ip}</td>
                      <td>{x.interface}</td>
                      <td>{x.vlan}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
          )}
        </>
      )}
    </div>
  )
}
