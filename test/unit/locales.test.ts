import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkLocales, readLocales, type Messages } from '../../build/locales.ts'
import { t, tn, useMessages } from '../../src/shared/i18n.ts'

const langs = (entries: Record<string, Messages>): Map<string, Messages> => new Map(Object.entries(entries))
const m = (message: string) => ({ message })

describe('the messages Trickle ships', () => {
  it('are complete in every language: the same keys, the same substitutions, every plural category', () => {
    const all = readLocales()
    expect([...all.keys()]).toEqual(expect.arrayContaining(['en', 'de']))
    expect(checkLocales(all)).toEqual([])
  })
})

describe('checkLocales', () => {
  it('names a message missing from a language', () => {
    expect(checkLocales(langs({ en: { a: m('A'), b: m('B') }, de: { a: m('Ä') } }))).toEqual(['de: "b" is missing'])
  })
  it('names a message English does not have, an empty one, and a bad name', () => {
    expect(checkLocales(langs({ en: { a: m('A') }, de: { a: m(' '), z: m('Z'), 'b-c': m('x') } }))).toEqual([
      'de: "a" is empty', 'de: "z" is not an English message', 'de: "b-c" is not a valid message name', 'de: "b-c" is not an English message',
    ])
  })
  it('names a translation whose substitutions differ (a translator may reorder them, not drop them)', () => {
    expect(checkLocales(langs({ en: { a: m('$1 of $2') }, de: { a: m('$2 von $1') } }))).toEqual([])
    expect(checkLocales(langs({ en: { a: m('$1 of $2') }, de: { a: m('$1') } }))).toEqual(['de: "a" has substitutions {1}, English has {1,2}'])
  })
  it('asks each language for the plural categories it uses', () => {
    const en = { n_one: m('$1 site'), n_other: m('$1 sites') }
    expect(checkLocales(langs({ en, de: { n_one: m('$1 Site') } }))).toEqual(['de: "n_other" is missing (plural of n)'])
    expect(checkLocales(langs({ en, pl: { n_one: m('$1 strona'), n_other: m('$1 strony') } }))).toEqual([
      'pl: "n_few" is missing (plural of n)', 'pl: "n_many" is missing (plural of n)',
    ])
  })
  it('refuses a key defined twice across fragments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'locales-'))
    mkdirSync(join(dir, 'en'))
    writeFileSync(join(dir, 'en', 'a.json'), JSON.stringify({ x: m('1') }))
    writeFileSync(join(dir, 'en', 'b.json'), JSON.stringify({ x: m('2') }))
    expect(() => readLocales(dir)).toThrow('"x" is defined twice in en (again in b.json)')
  })
})

describe('t and tn outside a browser', () => {
  it('substitute positionally and pick the plural by count', () => {
    useMessages({ a: m('$2, then $1'), n_one: m('$1 site of $2'), n_other: m('$1 sites of $2') })
    try {
      expect(t('a' as never, 'x', 'y')).toBe('y, then x')
      expect(tn('n' as never, 1, 'Bob')).toBe('1 site of Bob')
      expect(tn('n' as never, 1200, 'Bob')).toBe('1,200 sites of Bob')
      // A message nobody has shows as its name: visible, and no English test accepts it.
      expect(t('nope' as never)).toBe('nope')
    } finally {
      useMessages(readLocales().get('en') ?? null)
    }
  })
})
