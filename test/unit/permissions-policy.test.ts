import { describe, expect, it } from 'vitest'
import { allowGrantsMonetization } from '../../src/shared/permissions-policy.ts'

const CHILD = 'https://child.example'
const PARENT = 'https://parent.example'

describe('iframe allow attributes', () => {
  it.each<[string | null, boolean]>([
    ['monetization', true],
    ['monetization; autoplay', true],
    ['autoplay; monetization', true],
    ['  Monetization ', true],
    ['autoplay', false],
    ['', false],
    [null, false],
    ['monetization-extra', false],
    ["monetization 'none'", false],
    ["monetization 'src'", true],
    ['monetization *', true],
    [`monetization ${CHILD}`, true],
    ['monetization https://other.example', false],
    ["monetization 'self'", false],
    ['autoplay; fullscreen', false],
  ])('allow=%j grants monetization: %s', (allow, granted) => {
    expect(allowGrantsMonetization(allow, CHILD, PARENT)).toBe(granted)
  })

  it("'self' grants a frame of the parent's own origin", () => {
    expect(allowGrantsMonetization("monetization 'self'", PARENT, PARENT)).toBe(true)
  })
})
