/**
 * Every string a person reads goes through here: the browser's i18n (`_locales/`, built from
 * `src/locales/`, see build/locales.ts), in the browser's UI language, English where a message is
 * missing. Substitutions are positional (`$1`…), so a translator can reorder a sentence; nothing is
 * concatenated from pieces. Numbers, dates and money are formatted with Intl in `uiLocale()`.
 *
 * Outside a browser (the CLI, unit tests) there is no i18n API: `useMessages` gives the English
 * messages instead. Without either, a message shows as its key, which no test in English accepts.
 */
import type common from '../locales/en/common.json'
import type events from '../locales/en/events.json'
import type history from '../locales/en/history.json'
import type ledger from '../locales/en/ledger.json'
import type options from '../locales/en/options.json'
import type popup from '../locales/en/popup.json'
import type tester from '../locales/en/tester.json'
import type toolbar from '../locales/en/toolbar.json'
import type welcome from '../locales/en/welcome.json'
import type worker from '../locales/en/worker.json'

type All = typeof common & typeof events & typeof history & typeof ledger & typeof options & typeof popup & typeof tester & typeof toolbar & typeof welcome & typeof worker
/** A message's name: a typo, or a message not in English, does not compile. */
export type MessageKey = Extract<keyof All, string>
/** A plural message's name without its category (`foo` for `foo_one`, `foo_other`). */
export type PluralKey = { [K in MessageKey]: K extends `${infer B}_other` ? B : never }[MessageKey]

type Substitution = string | number
interface I18nApi { getMessage(key: string, substitutions?: string[]): string; getUILanguage(): string }

let fallback: Record<string, { message: string }> | null = null

/** Outside a browser: read messages from these (the English ones). */
export function useMessages(messages: Record<string, { message: string }> | null): void { fallback = messages }

function api(): I18nApi | null {
  const g = globalThis as { chrome?: { i18n?: I18nApi }; browser?: { i18n?: I18nApi } }
  return g.chrome?.i18n ?? g.browser?.i18n ?? null
}

/** The message `key` with `$1`… replaced by `subs`, in the browser's language. */
export function t(key: MessageKey, ...subs: Substitution[]): string {
  const strings = subs.map(String)
  const i18n = api()
  const text = i18n?.getMessage(key, strings) ?? ''
  if (text !== '') return text
  const own = fallback?.[key]?.message
  if (own === undefined) return key
  return own.replace(/\$(\d)/g, (_, n: string) => strings[Number(n) - 1] ?? '').replace(/\$\$/g, '$')
}

/** The plural message `key` for the count `n` (which is also `$1`; `subs` follow as `$2`…). */
export function tn(key: PluralKey, n: number, ...subs: Substitution[]): string {
  const category = plurals(uiLocale()).select(n)
  const base: string = key
  const exact = `${base}_${category}` as MessageKey
  const count = new Intl.NumberFormat(uiLocale()).format(n)
  const text = t(exact, count, ...subs)
  return text === exact ? t(`${base}_other` as MessageKey, count, ...subs) : text
}

const rules = new Map<string, Intl.PluralRules>()
function plurals(locale: string): Intl.PluralRules {
  let r = rules.get(locale)
  if (r === undefined) rules.set(locale, r = new Intl.PluralRules(locale))
  return r
}

/** The browser's UI language as a BCP 47 tag, for Intl ("en" outside a browser). */
export function uiLocale(): string {
  const language = api()?.getUILanguage() ?? ''
  if (language === '') return 'en'
  try {
    return Intl.getCanonicalLocales(language.replace(/_/g, '-'))[0] ?? 'en'
  } catch {
    return 'en'
  }
}
