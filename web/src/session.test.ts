import { describe, expect, it } from 'vitest'
import { authHeaders, mayAct, setToken, token } from './session'

describe('session', () => {
  it('lets operators and admins act, not viewers or anonymous', () => {
    expect(mayAct('operator')).toBe(true)
    expect(mayAct('admin')).toBe(true)
    expect(mayAct('viewer')).toBe(false)
    expect(mayAct('none')).toBe(false)
    expect(mayAct(undefined)).toBe(false)
    expect(mayAct('root')).toBe(false)
  })
  it('sends no Authorization header without a token (no session storage here)', () => {
    setToken('vnm_x')
    expect(token()).toBe('')
    expect(authHeaders()).toEqual({})
  })
})
