// Search as you type: a combobox over GET /api/v1/search. Arrow keys move
// through the matches, Enter opens one, Escape closes the list; "/"
// anywhere focuses the box.

import { useEffect, useRef, useState } from 'preact/hooks'
import { get, type Match, type SearchAnswer } from '../api'
import { navigate, currentAt, keepAt } from '../router'
import { pageOfMatch } from '../format'
import { Badge } from './common'

let instance = 0

// The input is an ARIA 1.2 combobox (Preact's types want a list attribute
// with that role, which the listbox pattern does not use).
const combobox = { role: 'combobox' } as Record<string, string>

export function Search(props: { autofocus?: boolean; big?: boolean }) {
  const [text, setText] = useState('')
  const [matches, setMatches] = useState<Match[]>([])
  const [truncated, setTruncated] = useState(false)
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(0)
  const [error, setError] = useState('')
  const input = useRef<HTMLInputElement>(null)
  const id = useRef(`search-${++instance}`).current

  useEffect(() => {
    if (props.autofocus) input.current?.focus()
  }, [])

  useEffect(() => {
    const q = text.trim()
    if (!q) {
      setMatches([])
      setError('')
      return
    }
    const ctl = new AbortController()
    const t = setTimeout(() => {
      get<SearchAnswer>('/search', { q, limit: '12', at: currentAt() }, ctl.signal).then(
        (a) => {
          setMatches(a.matches)
          setTruncated(!!a.truncated)
          setActive(0)
          setError('')
          setOpen(true)
        },
        (e: Error) => {
          if (e.name !== 'AbortError') setError(e.message)
        },
      )
    }, 90)
    return () => {
      clearTimeout(t)
      ctl.abort()
    }
  }, [text])

  const go = (m: Match) => {
    setOpen(false)
    setText('')
    input.current?.blur()
    navigate(keepAt(pageOfMatch(m)))
  }

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault()
      setOpen(true)
      setActive((a) => Math.min(a + 1, matches.length - 1))
    } else if (e.key === 'ArrowUp') {
      e.preventDefault()
      setActive((a) => Math.max(a - 1, 0))
    } else if (e.key === 'Enter') {
      e.preventDefault()
      const m = matches[active]
      if (m) go(m)
    } else if (e.key === 'Escape') {
      if (open) setOpen(false)
      else input.current?.blur()
    }
  }

  const showList = open && text.trim() !== ''
  return (
    <div class={`search ${props.big ? 'search-big' : ''}`}>
      <input
        ref={input}
        type="search"
        data-testid="search-input"
        class="search-input"
        placeholder="Search VMs, apps, hosts, switches, ports, MACs, IPs, VLANs  ( / )"
        aria-label="Search"
        {...combobox}
        aria-expanded={showList}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={showList && matches[active] ? `${id}-opt-${active}` : undefined}
        autocomplete="off"
        spellcheck={false}
        value={text}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onKeyDown={onKey}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      {showList && (
        <ul class="search-list" id={`${id}-list`} role="listbox" data-testid="search-list">
          {error && <li class="search-empty">{error}</li>}
          {!error && matches.length === 0 && <li class="search-empty">No match</li>}
          {matches.map((m, i) => (
            <li
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : ''}
              data-testid="search-option"
              data-kind={m.kind}
              data-name={m.name}
              onMouseDown={(e) => {
                e.preventDefault()
                go(m)
              }}
              onMouseEnter={() => setActive(i)}
            >
              <Badge kind={m.kind} />
              <span class="search-name">{m.name}</span>
              {m.detail && <span class="search-detail">{m.detail}</span>}
            </li>
          ))}
          {truncated && <li class="search-empty">More matches: type more</li>}
        </ul>
      )}
    </div>
  )
}
