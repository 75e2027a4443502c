// The operator's session: an API token given in the page ("sign in with a
// token"), kept in sessionStorage (this tab only, gone when it closes) and
// sent as "Authorization: Bearer …" with every request. Without one the
// UI is anonymous: it reads what an anonymous viewer may, and shows no
// action.

const storageKey = 'vnetmap-token'

/** token returns the token of this tab's session, '' when signed out. */
export function token(): string {
  try {
    return sessionStorage.getItem(storageKey) ?? ''
  } catch {
    return ''
  }
}

type Listener = () => void
const listeners = new Set<Listener>()

/** setToken signs in with t (signs out when empty) and tells the listeners. */
export function setToken(t: string) {
  try {
    if (t) sessionStorage.setItem(storageKey, t)
    else sessionStorage.removeItem(storageKey)
  } catch {
    // storage refused (private mode): the token lasts until the page reloads
  }
  listeners.forEach((l) => l())
}

/** onToken calls l whenever the token changes; it returns the unsubscribe. */
export function onToken(l: Listener): () => void {
  listeners.add(l)
  return () => listeners.delete(l)
}

/** authHeaders returns the Authorization header of the session, if any. */
export function authHeaders(): Record<string, string> {
  const t = token()
  return t ? { Authorization: 'Bearer ' + t } : {}
}

/** Role names, from the least to the most allowed (auth.Role). */
const roles = ['none', 'viewer', 'operator', 'admin']

/** mayAct says whether a principal of role may take operators' actions. */
export function mayAct(role: string | undefined): boolean {
  return roles.indexOf(role ?? '') >= roles.indexOf('operator')
}
