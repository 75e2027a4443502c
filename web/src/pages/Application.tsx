// The application page: its VMs and where they run, and its flows.

import { useEffect, useState } from 'preact/hooks'
import { enc, type ApplicationAnswer, type VMRef } from '../api'
import { useApi } from '../hooks'
import { A, Badge, KV, Section, Status } from '../components/common'
import { rendered } from '../perf'

/** VMTable lists VMs with links to their pages, filterable when long. */
export function VMTable(props: { vms: VMRef[]; hideHost?: boolean }) {
  const [filter, setFilter] = useState('')
  const f = filter.trim().toLowerCase()
  const shown = f ? props.vms.filter((v) => [v.name, v.host, v.cluster, ...(v.applications ?? [])].some((x) => x?.toLowerCase().includes(f))) : props.vms
  return (
    <>
      {props.vms.length > 10 && (
        <input class="filter" type="search" placeholder="Filter VMs" aria-label="Filter VMs" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
      )}
      <table class="table" data-testid="vm-table">
        <thead>
          <tr>
            <th>VM</th>
            {!props.hideHost && <th>Host</th>}
            {!props.hideHost && <th>Cluster</th>}
            <th>Applications</th>
            <th>Power</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((v) => (
            <tr>
              <td>
                <A to={`/vm/${enc(v.key)}`}>{v.name}</A>
              </td>
              {!props.hideHost && <td>{v.host && <A to={`/host/${enc(v.host)}`}>{v.host}</A>}</td>}
              {!props.hideHost && <td>{v.cluster}</td>}
              <td>
                <span class="list">
                  {(v.applications ?? []).map((a) => (
                    <A to={`/application/${enc(a)}`}>{a}</A>
                  ))}
                </span>
              </td>
              <td>{v.power === 'poweredOn' ? <span class="muted">on</span> : <Badge kind="down">{v.power ?? '?'}</Badge>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

export function ApplicationPage(props: { app: string; at: string }) {
  const s = useApi<ApplicationAnswer>(`/application/${enc(props.app)}`, { at: props.at })
  const a = s.data
  useEffect(() => {
    if (a && !s.loading) rendered('application')
  }, [a, s.loading])
  return (
    <div class="page" data-testid="application-page">
      <Status state={s} what={`application ${props.app}`} />
      {a && (
        <>
          <header class="page-head">
            <h1>
              <Badge kind="application" /> {a.name}
            </h1>
            <div class="page-actions">
              <A to={`/topology?group=application&expand=${enc(a.id)}`}>In the topology</A>
              <A to={`/flows?target=${enc('app:' + a.name)}`}>Its flows</A>
            </div>
          </header>
          <KV
            items={[
              ['VMs', String(a.vms.length)],
              ['Hosts', String(a.hosts.length)],
              ['Clusters', a.clusters.join(', ')],
            ]}
          />
          <Section title="VMs">
            <VMTable vms={a.vms} />
          </Section>
        </>
      )}
    </div>
  )
}
