// Worker strings a person reads (the popup shows a visit's `reason`) that still
// bypass t(), so a German browser shows them in English (or an English tail on a German sentence).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const source = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

describe('every string people read goes through t()', () => {
  it.each([
    ['src/background/payment/visit-link.ts', 'No Interledger account is set up yet'],
    ['src/background/payment/visit-link.ts', 'Gave up after'],
    ['src/background/payment/visit-link.ts', 'Trying again in'],
    ['src/background/payment/stream-payer.ts', 'The STREAM connection failed'],
  ])('%s has no English literal "%s"', (file, text) => {
    expect(source(file)).not.toContain(text)
  })
})
