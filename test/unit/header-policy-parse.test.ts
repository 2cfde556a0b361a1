import { describe, expect, it } from 'vitest'
import { allowlistMatches, monetizationAllowlist } from '../../src/shared/permissions-policy.ts'

const self = 'https://news.example'
const allows = (headers: string[], origin: string): boolean | null => {
  const list = monetizationAllowlist(headers)
  return list === null ? null : allowlistMatches(list, origin, self)
}

describe('Permissions-Policy: monetization from response headers', () => {
  it('reads an empty allowlist as nobody', () => {
    expect(allows(['monetization=()'], self)).toBe(false)
    expect(allows(['geolocation=(self), monetization=()'], self)).toBe(false)
  })
  it('reads *, self and quoted origins', () => {
    expect(allows(['monetization=*'], 'https://ads.example')).toBe(true)
    expect(allows(['monetization=(self)'], self)).toBe(true)
    expect(allows(['monetization=(self)'], 'https://ads.example')).toBe(false)
    expect(allows(['monetization=(self "https://ads.example")'], 'https://ads.example')).toBe(true)
    expect(allows(['monetization=("https://ads.example/path")'], 'https://ads.example')).toBe(true)
    expect(allows(['monetization=self'], self)).toBe(true)
  })
  it('joins several header fields, the last member winning', () => {
    expect(allows(['monetization=*', 'camera=()'], 'https://x.example')).toBe(true)
    expect(allows(['monetization=*', 'monetization=()'], self)).toBe(false)
  })
  it('declares nothing when the feature is absent, and ignores a malformed header', () => {
    expect(monetizationAllowlist(['camera=()'])).toBeNull()
    expect(monetizationAllowlist([])).toBeNull()
    expect(monetizationAllowlist(['monetization=(self'])).toBeNull()
    expect(monetizationAllowlist(["monetization 'none'"])).toBeNull()
    expect(monetizationAllowlist(['Monetization=()'])).toBeNull()
  })
  it('reads monetization next to members of every structured-field type', () => {
    expect(allows(['x=:AAAA:, monetization=()'], self)).toBe(false)
    expect(allows(['d=@1659578233, monetization=()'], self)).toBe(false)
    expect(allows(['s=%"caf%c3%a9", monetization=()'], self)).toBe(false)
    expect(allows(['n=-1.5, b=?0, monetization=()'], self)).toBe(false)
  })

  it('never matches an opaque origin', () => {
    expect(allows(['monetization=*'], 'null')).toBe(false)
  })
})
