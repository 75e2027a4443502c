// The operator's session in the page: who the API says the page is
// (whoami, with the tab's token if any), and a "sign in with a token" form.

import { useEffect, useState } from 'preact/hooks'
import { ApiError, get, type Principal } from '../api'
import { mayAct, onToken, setToken, token } from '../session'

export interface Session {
  /** who the requests are made as; undefined while asking */
  who?: Principal
  /** the principal may take operators' actions (acknowledge a finding) */
  operator: boolean
  /** a token is kept in this tab */
  signedIn: boolean
}

/** useSession asks whoami again whenever the tab's token changes. */
export function useSession(): Session {
  const [who, setWho] = useState<Principal | undefined>()
  const [tok, setTok] = useState(token())
  useEffect(() => onToken(() => setTok(token())), [])
  useEffect(() => {
    const ctl = new AbortController()
    get<Principal>('/whoami', {}, ctl.signal).then(setWho, (err: Error) => {
      setWho(undefined)
      // A kept token the server no longer takes (revoked, expired) would
      // make every request fail: drop it, the page reads as anonymous.
      if (err instanceof ApiError && err.status === 401 && tok) setToken('')
    })
    return () => ctl.abort()
  }, [tok])
  return { who, operator: !!who && !who.anonymous && mayAct(who.role), signedIn: tok !== '' }
}

/**
 * SignIn shows who the page acts as and lets an operator give an API token
 * (checked with whoami before it is kept) or sign out.
 */
export function SignIn(props: { session: Session }) {
  const { who, signedIn } = props.session
  const [text, setText] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  if (signedIn && who && !who.anonymous) {
    return (
      <div class="session" data-testid="session">
        Signed in as <strong data-testid="session-name">{who.name}</strong> ({who.role}){' '}
        <button type="button" class="link-button" onClick={() => setToken('')} data-testid="sign-out">
          Sign out
        </button>
      </div>
    )
  }
  const submit = async (e: Event) => {
    e.preventDefault()
    const t = text.trim()
    if (!t) return
    setBusy(true)
    setError('')
    try {
      const res = await fetch('/api/v1/whoami', { headers: { Accept: 'application/json', Authorization: 'Bearer ' + t } })
      if (!res.ok) throw new ApiError(res.status, res.status === 401 ? 'the token is not valid (unknown, revoked or expired)' : `${res.status} ${res.statusText}`)
      setText('')
      setToken(t)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <details class="session" data-testid="session">
      <summary>Operator? Sign in with an API token</summary>
      <form onSubmit={submit} class="session-form">
        <input
          type="password"
          autocomplete="off"
          placeholder="vnm_…"
          aria-label="API token"
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          data-testid="token-input"
        />{' '}
        <button type="submit" disabled={busy || !text.trim()} data-testid="sign-in">
          Sign in
        </button>
        {error && (
          <div class="error" role="alert" data-testid="sign-in-error">
            {error}
          </div>
        )}
        <p class="muted">The token stays in this tab only (session storage) and is sent with each request. Create one with <code>vnetmap token create --role operator</code>.</p>
      </form>
    </details>
  )
}
