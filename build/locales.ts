/**
 * Trickle's messages, for the browser's i18n: `src/locales/<language>/<area>.json` (one fragment per
 * page or context, so that work on one page never touches another's strings), merged at build time
 * into `_locales/<language>/messages.json`, the file both browsers read.
 *
 * A fragment holds Chrome's message format (`{ "key": { "message": "…", "description": "…" } }`),
 * substitutions as `$1`…`$9` so that a translator can reorder them. Plurals are keys ending in
 * `_one`, `_other` (and whatever other categories a language's Intl.PluralRules uses), picked by `tn`
 * in src/shared/i18n.ts.
 *
 * `checkLocales` is the rule every build and the unit tests apply: every language has exactly the
 * English keys, with the same substitutions, nothing empty, every plural category its language uses.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'

export interface Message { message: string; description?: string }
export type Messages = Record<string, Message>

/** src/locales (a path from a string: under happy-dom, `URL` is not Node's). */
export const LOCALES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../src/locales')
export const DEFAULT_LANGUAGE = 'en'
const KEY = /^[A-Za-z][A-Za-z0-9_]*$/
const SUBSTITUTION = /\$(\d)/g

/** Every language's messages, merged from its fragments (a key defined twice is an error). */
export function readLocales(dir: string = LOCALES_DIR): Map<string, Messages> {
  const out = new Map<string, Messages>()
  for (const language of readdirSync(dir).sort()) {
    const merged: Messages = {}
    const folder = join(dir, language)
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
      const fragment = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Messages
      for (const [key, value] of Object.entries(fragment)) {
        if (Object.hasOwn(merged, key)) throw new Error(`locales: "${key}" is defined twice in ${language} (again in ${file})`)
        merged[key] = value
      }
    }
    out.set(language, merged)
  }
  return out
}

const substitutions = (text: string): string => [...new Set([...text.matchAll(SUBSTITUTION)].map((m) => m[1]))].sort().join(',')
const pluralBase = (key: string): string | null => /^(.*)_(zero|one|two|few|many|other)$/.exec(key)?.[1] ?? null

/** What is wrong with the messages, one line each (empty: nothing). */
export function checkLocales(locales: Map<string, Messages>): string[] {
  const problems: string[] = []
  const base = locales.get(DEFAULT_LANGUAGE)
  if (base === undefined) return [`locales: no "${DEFAULT_LANGUAGE}" folder`]
  for (const [language, messages] of locales) {
    for (const [key, value] of Object.entries(messages)) {
      if (!KEY.test(key)) problems.push(`${language}: "${key}" is not a valid message name`)
      if (typeof value.message !== 'string' || value.message.trim() === '') problems.push(`${language}: "${key}" is empty`)
      const english = base[key]
      if (english === undefined) {
        if (pluralBase(key) === null || language === DEFAULT_LANGUAGE) problems.push(`${language}: "${key}" is not an English message`)
        continue
      }
      if (substitutions(value.message) !== substitutions(english.message)) {
        problems.push(`${language}: "${key}" has substitutions {${substitutions(value.message)}}, English has {${substitutions(english.message)}}`)
      }
    }
    const plurals = new Set(Object.keys(base).map(pluralBase).filter((b): b is string => b !== null))
    const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories
    for (const key of Object.keys(base)) {
      if (pluralBase(key) !== null) continue
      if (!Object.hasOwn(messages, key)) problems.push(`${language}: "${key}" is missing`)
    }
    for (const plural of plurals) {
      for (const category of categories) {
        if (!Object.hasOwn(messages, `${plural}_${category}`)) problems.push(`${language}: "${plural}_${category}" is missing (plural of ${plural})`)
      }
    }
  }
  return problems
}

/** Emits `_locales/<language>/messages.json` into the build; fails the build on any problem. */
export function locales(): Plugin {
  return {
    name: 'trickle:locales',
    apply: 'build',
    generateBundle() {
      const all = readLocales()
      const problems = checkLocales(all)
      if (problems.length > 0) this.error(`messages are not complete:\n${problems.join('\n')}`)
      for (const [language, messages] of all) {
        this.emitFile({ type: 'asset', fileName: `_locales/${language}/messages.json`, source: `${JSON.stringify(messages, null, 1)}\n` })
      }
    },
  }
}
