// Data loading for views: one API call per dependency change, cancelled
// when the view moves on.

import { useEffect, useState } from 'preact/hooks'
import { ApiError, get, type Params } from './api'
import { token } from './session'

export interface Loaded<T> {
  data?: T
  error?: ApiError | Error
  loading: boolean
}

/** useApi fetches path with params whenever they (or the session's token) change; a null path fetches nothing. */
export function useApi<T>(path: string | null, params: Params = {}): Loaded<T> {
  // The session's token is part of the key: signing in or out asks again.
  const dep = path === null ? '' : path + '?' + JSON.stringify(params) + '#' + token()
  const [state, setState] = useState<Loaded<T>>({ loading: path !== null })
  useEffect(() => {
    if (path === null) {
      setState({ loading: false })
      return
    }
    const ctl = new AbortController()
    setState((s) => ({ data: s.data, loading: true }))
    get<T>(path, params, ctl.signal).then(
      (data) => setState({ data, loading: false }),
      (error: Error) => {
        if (error.name !== 'AbortError') setState({ error, loading: false })
      },
    )
    return () => ctl.abort()
  }, [dep])
  return state
}
