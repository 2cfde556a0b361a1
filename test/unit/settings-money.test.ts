import { describe, expect, it } from 'vitest'
import { formatAmount, parseDecimal, toDecimalString } from '../../src/shared/money.ts'
import {
  DEFAULT_SETTINGS, exportSettings, importSettings, migrateSettings, redactUplink, siteKey, toPublic, validateBudget, validateRate, validateUplink,
  type BudgetSettings,
} from '../../src/shared/settings.ts'
import { siteRules } from './fixtures.ts'

describe('money is integers', () => {
  it.each([
    ['0.36', 9, 360_000_000n],
    ['1', 2, 100n],
    ['0.001', 2, 0n], // finer than the asset: dropped, never rounded up
    ['12.345', 2, 1234n],
    ['0', 6, 0n],
  ])('parseDecimal(%s, %i) = %s', (text, scale, units) => {
    expect(parseDecimal(text, scale)).toBe(units)
  })

  it.each(['', '-1', '1e3', '0x10', '1.', '.5', 'NaN', '1,5'])('parseDecimal refuses %j', (text) => {
    expect(parseDecimal(text, 9)).toBeNull()
  })

  it('prints exact decimals', () => {
    expect(toDecimalString(100_000n, 9)).toBe('0.000100000')
    expect(toDecimalString(123n, 0)).toBe('123')
    expect(toDecimalString(9_007_199_254_740_993n, 2)).toBe('90071992547409.93')
  })

  it('formats for people without losing precision', () => {
    expect(formatAmount({ value: 100_000n, code: 'USD', scale: 9 }, 'en-US')).toBe('$0.0001')
    expect(formatAmount({ value: 1_234_500_000n, code: 'USD', scale: 9 }, 'en-US')).toBe('$1.2345')
    expect(formatAmount({ value: 9_007_199_254_740_993n, code: 'USD', scale: 2 }, 'en-US')).toBe('$90,071,992,547,409.93')
    expect(formatAmount({ value: 5n, code: 'XRP', scale: 6 }, 'en-US')).toMatch(/0\.000005/)
    expect(formatAmount({ value: 1500n, code: 'POINTS', scale: 3 }, 'en-US')).toBe('1.50 POINTS')
  })
})

describe('settings', () => {
  it('has documented defaults', () => {
    expect(DEFAULT_SETTINGS).toEqual({
      version: 2, uplinkUrl: null, ratePerHour: '0.36', budget: { amount: '5', period: 'monthly', renewDay: 1 }, paused: false, idleMinutes: 10, sites: {},
    })
  })

  it.each(['0.36', '1', '10', '0.000001'])('accepts the rate %s', (r) => { expect(validateRate(r).ok).toBe(true) })
  it.each(['0', '0.000', '-1', 'abc', '10.01', '360', ''])('refuses the rate %j', (r) => { expect(validateRate(r).ok).toBe(false) })

  it.each([
    ['btp+wss://alice:token@wallet.example', true],
    ['btp+ws://:token@127.0.0.1:7768', true],
    ['btp+ws://:token@localhost:7768', true],
    ['btp+ws://:token@wallet.example', false], // the token would cross the network in clear
    ['wss://wallet.example', false],
    ['btp+https://wallet.example', false],
    ['btp+wss://', false],
  ])('uplink %s valid: %s', (url, valid) => { expect(validateUplink(url).ok).toBe(valid) })

  it('never shows the uplink token', () => {
    expect(redactUplink('btp+wss://alice:s3cret@wallet.example/path')).toBe('btp+wss://alice:•••@wallet.example/path')
    expect(redactUplink('btp+ws://:s3cret@127.0.0.1:1')).toBe('btp+ws://:•••@127.0.0.1:1')
    const settings = { ...DEFAULT_SETTINGS, uplinkUrl: 'btp+wss://a:s3cret@w.example' }
    expect(JSON.stringify(toPublic(settings))).not.toContain('s3cret')
    expect(JSON.stringify(exportSettings(settings))).not.toContain('s3cret')
    expect(JSON.stringify(exportSettings(settings))).not.toContain('w.example')
  })

  it('migrates anything stored into a valid current settings object', () => {
    expect(migrateSettings(undefined)).toEqual(DEFAULT_SETTINGS)
    expect(migrateSettings('garbage')).toEqual(DEFAULT_SETTINGS)
    // A version 1 object keeps its fields and gains every new one at its default.
    expect(migrateSettings({ version: 1, uplinkUrl: 'btp+ws://:t@127.0.0.1:1', ratePerHour: '0.5' }))
      .toEqual({ ...DEFAULT_SETTINGS, uplinkUrl: 'btp+ws://:t@127.0.0.1:1', ratePerHour: '0.5' })
    expect(migrateSettings({ uplinkUrl: 'http://x', ratePerHour: '999' })).toEqual(DEFAULT_SETTINGS)
  })

  it('keeps valid site rules, drops broken ones and entries that say nothing', () => {
    const migrated = migrateSettings({
      sites: {
        'https://news.example': siteRules({ ratePerHour: '1', cap: '0.5' }),
        'https://mine.example': siteRules({ never: true }),
        'https://plain.example': siteRules(),
        'https://bad-rate.example': siteRules({ ratePerHour: '360', paused: true }),
        'news.example': { never: true, simulate: false }, // not an origin key
        'javascript:alert(1)': { never: true, simulate: false },
      },
    })
    expect(migrated.sites).toEqual({
      'https://news.example': siteRules({ ratePerHour: '1', cap: '0.5' }),
      'https://mine.example': siteRules({ never: true }),
    })
  })

  it.each([
    [{ amount: '5', period: 'monthly', renewDay: 31 }, true],
    [{ amount: '0', period: 'monthly', renewDay: 1 }, true], // zero stops payment
    [{ amount: '5', period: 'weekly', renewDay: 0 }, true],
    [{ amount: '5', period: 'weekly', renewDay: 7 }, false],
    [{ amount: '5', period: 'monthly', renewDay: 0 }, false],
    [{ amount: '-1', period: 'monthly', renewDay: 1 }, false],
    [{ amount: '1e3', period: 'monthly', renewDay: 1 }, false],
    [{ amount: '5', period: 'daily', renewDay: 1 }, false],
  ] as const)('budget %j valid: %s', (b, valid) => {
    expect(validateBudget(b as BudgetSettings).ok).toBe(valid)
  })

  it.each([
    ['news.example', 'https://news.example'],
    ['https://news.example/a/b?c#d', 'https://news.example'],
    ['http://localhost:8080/x', 'http://localhost:8080'],
    ['  NEWS.example ', 'https://news.example'],
  ])('the site of %j is %s', (text, key) => { expect(siteKey(text)).toEqual({ ok: true, value: key }) })

  it.each(['', 'ftp://x.example', 'https://', 'chrome://settings'])('%j is not a site', (text) => {
    expect(siteKey(text).ok).toBe(false)
  })

  it('exports and imports settings, keeping the uplink that is already set', () => {
    const mine = { ...DEFAULT_SETTINGS, ratePerHour: '0.5', idleMinutes: 3, sites: { 'https://x.example': siteRules({ cap: '1', paused: true }) } }
    const text = JSON.stringify(exportSettings({ ...mine, uplinkUrl: 'btp+wss://a:old@w.example' }))
    const current = { ...DEFAULT_SETTINGS, uplinkUrl: 'btp+wss://b:new@v.example' }
    expect(importSettings(text, current)).toEqual({ ok: true, value: { ...mine, uplinkUrl: 'btp+wss://b:new@v.example' } })
  })

  it.each([
    ['not json', /not JSON/],
    ['{"version":2}', /not a Trickle settings file/],
    ['{"trickle":"ledger","version":1,"settings":{}}', /not a Trickle settings file/],
    ['{"trickle":"settings","version":99,"settings":{}}', /newer Trickle/],
  ])('refuses to import %j', (text, message) => {
    const r = importSettings(text, DEFAULT_SETTINGS)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toMatch(message)
  })
})
