// The time control: every view shows the map of one moment, now (live) or
// any past moment, carried in the URL as ?at=. Presets step back, "Now"
// returns to live, "Changes" compares the moment shown with now.

import { useEffect, useState } from 'preact/hooks'
import { navigate, useLocation } from '../router'
import { ago, fromLocalInput, localInput, when } from '../format'

const presets: [string, number][] = [
  ['1 h', 3600e3],
  ['1 d', 86400e3],
  ['3 d', 3 * 86400e3],
  ['7 d', 7 * 86400e3],
]

/** setAt moves the whole UI to the moment at ('' for now), staying on the same view. */
export function setAt(at: string) {
  const q = new URLSearchParams(window.location.search)
  if (at) q.set('at', at)
  else q.delete('at')
  const s = q.toString()
  navigate(window.location.pathname + (s ? '?' + s : ''))
}

export function TimeControl() {
  const loc = useLocation()
  const at = loc.query.get('at') ?? ''
  const [value, setValue] = useState(at ? localInput(at) : '')
  useEffect(() => setValue(at ? localInput(at) : ''), [at])

  const apply = () => {
    const v = fromLocalInput(value)
    if (v) setAt(v)
  }
  return (
    <div class={`time ${at ? 'time-past' : 'time-live'}`} role="group" aria-label="Moment shown">
      <span class="time-state" data-testid="time-state">
        {at ? <>As of {when(at)}</> : <>Live</>}
      </span>
      <input
        type="datetime-local"
        aria-label="Show the map as of"
        data-testid="time-input"
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply()
        }}
      />
      <button type="button" data-testid="time-apply" onClick={apply} disabled={!fromLocalInput(value)}>
        Go
      </button>
      {presets.map(([label, ms]) => (
        <button type="button" class="preset" title={`The map ${label} ago`} onClick={() => setAt(ago(ms))}>
          −{label}
        </button>
      ))}
      <button type="button" data-testid="time-now" onClick={() => setAt('')} disabled={!at}>
        Now
      </button>
      {at && (
        <a class="time-diff" href={`/diff?from=${encodeURIComponent(at)}`} title="What changed between this moment and now">
          Changes since
        </a>
      )}
    </div>
  )
}
