// A second language leaves no English behind: Chromium in German, the built extension, every page it
// ships (read from dist/, so a new page is checked without touching this file) opened with something
// to show (a paying demo page, a site rule, a pointer test), and no English message text, and no raw
// message key, in what each page renders: its text, its title, and its title, aria-label, placeholder
// and alt attributes. English messages whose German is the same (Budget, Tags, HTTP) are not evidence.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLocales } from '../../build/locales.ts'
import type { SettingsView } from '../../src/shared/messages.ts'
import type { TabStatus } from '../../src/shared/status.ts'
import { chromiumPath, EXTENSION_DIR, launchWithExtension, type ExtensionBrowser } from '../sandbox/browser.ts'
import { startNetwork, type Network } from '../sandbox/network.ts'
import { waitFor } from './stack.ts'

const LANGUAGE = 'de'

/** Every HTML page of the build, and every page the manifest names. */
function builtPages(): string[] {
  if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) return []
  const html = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return html(path)
    return name.endsWith('.html') ? [relative(EXTENSION_DIR, path)] : []
  })
  const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8')) as {
    action?: { default_popup?: string }; options_ui?: { page?: string }; options_page?: string
  }
  const named = [manifest.action?.default_popup, manifest.options_ui?.page, manifest.options_page].filter((p): p is string => p !== undefined)
  return [...new Set([...html(EXTENSION_DIR), ...named])].sort()
}

const locales = readLocales()
const english = locales.get('en') ?? {}
const translated = locales.get(LANGUAGE) ?? {}
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The English messages that would betray a missing translation, each as a pattern: substitutions
 * match anything; a message starting or ending with a letter matches whole words only.
 */
const tells = Object.entries(english).flatMap(([key, { message }]) => {
  const german = translated[key]?.message
  // Only a real difference is evidence: not the same text, nor the same word capitalised (uplink, Uplink).
  if (german === undefined || german.toLowerCase() === message.toLowerCase()) return []
  const literal = message.replace(/\$\$/g, '$')
  const parts = literal.split(/\$\d/)
  if (parts.join('').trim().length <= 3) return []
  const body = parts.map(escape).join('[\\s\\S]+?')
  const start = /^\p{L}/u.test(literal) ? '(?<!\\p{L})' : ''
  const end = /\p{L}$/u.test(literal) ? '(?!\\p{L})' : ''
  return [{ key, message: literal, pattern: new RegExp(`${start}${body}${end}`, 'u') }]
})
const KEYS = Object.keys(english)

/** What a person can read or hear on the page. */
async function rendered(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out = [document.title, document.body.innerText]
    for (const el of document.querySelectorAll('*')) {
      for (const a of ['title', 'aria-label', 'placeholder', 'alt']) {
        const v = el.getAttribute(a)
        if (v !== null && v !== '') out.push(v)
      }
    }
    for (const o of document.querySelectorAll('option')) out.push(o.text)
    return out
  })
}

/** Waits until the page's text stops changing (its answers from the worker have arrived). */
async function settled(page: Page): Promise<void> {
  let last = ''
  let same = 0
  await waitFor('the page to settle', async () => {
    const now = await page.evaluate(() => document.body.innerText)
    same = now !== '' && now === last ? same + 1 : 0
    last = now
    return same >= 4 ? true : undefined
  }, 15_000)
}

function leftovers(path: string, texts: string[]): string[] {
  const problems: string[] = []
  for (const text of texts) {
    for (const tell of tells) {
      if (tell.pattern.test(text)) problems.push(`${path}: English "${tell.message}" (${tell.key}) in "${text.slice(0, 200)}"`)
    }
    for (const key of KEYS) {
      if (new RegExp(`(?<![A-Za-z0-9_])${key}(?![A-Za-z0-9_])`).test(text)) problems.push(`${path}: raw message key ${key} in "${text.slice(0, 200)}"`)
    }
  }
  return [...new Set(problems)]
}

let net: Network
let browser: ExtensionBrowser
let control: Page
let demoTab = -1
let demo: Page
const pointer = (name: string): string => `${net.receiver.spspBase}/${name}`

async function ask<T>(type: string, input: unknown): Promise<T> {
  const reply = await control.evaluate(async ([t, i]) =>
    chrome.runtime.sendMessage<unknown, { ok: boolean; value?: unknown; error?: string }>({ to: 'trickle-worker', type: t, input: i }), [type, input] as const)
  if (!reply.ok) throw new Error(reply.error)
  return reply.value as T
}

beforeAll(async () => {
  // Without its German resources Chromium falls back to English whatever it is asked (Debian ships them apart).
  const pak = join(dirname(chromiumPath()), 'locales', `${LANGUAGE}.pak`)
  if (!existsSync(pak)) throw new Error(`Chromium has no ${LANGUAGE} resources (${pak}): apt-get install chromium-l10n`)
  net = await startNetwork()
  browser = await launchWithExtension({ lang: LANGUAGE })
  control = await browser.openExtensionPage('src/options/index.html')
  // Set up through the worker's own API: the form's labels are German here.
  await ask('save-settings', { uplinkUrl: net.uplinkUrl, ratePerHour: '0.36', budget: { amount: '5', period: 'monthly', renewDay: 1 }, idleMinutes: 10 })
  await waitFor('the uplink', async () => ((await ask<SettingsView>('get-settings', null)).uplinkState.state === 'connected' ? true : undefined))
  await ask('set-site', { site: 'https://news.example', rules: { ratePerHour: '0.5', cap: '1', paused: false, never: false, simulate: true } })
  // A paying demo page in a focused window of its own, so the popup and the event view have content.
  const url = net.site.pageFor('meta', 'languages-demo')
  const opened = browser.context.waitForEvent('page', { predicate: (p) => p.url() === url })
  await control.evaluate(async (u) => { await chrome.windows.create({ url: u, focused: true, width: 800, height: 600 }) }, url)
  demo = await opened
  demoTab = await control.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id ?? -1, url)
  await waitFor('the demo page to pay', async () => {
    const s = await ask<TabStatus>('get-tab-status', { tabId: demoTab })
    return s.kind === 'monetized' && s.phase === 'paying' && s.sent !== null ? true : undefined
  }, 20_000)
})

afterAll(async () => {
  await demo?.close().catch(() => undefined)
  await browser?.close()
  await net?.stop()
})

const pages = builtPages()

describe(`every page in ${LANGUAGE}`, () => {
  it('finds the built pages, and the browser really speaks the language', async () => {
    expect(pages).toEqual(expect.arrayContaining(['src/popup/index.html', 'src/options/index.html', 'src/tester/index.html', 'src/events/index.html']))
    expect(await control.evaluate(() => chrome.i18n.getUILanguage())).toMatch(/^de\b/)
    // The check itself: German text passes, English text is caught, and so is a raw key.
    expect(leftovers('self-test', ['Gespeichert.'])).toEqual([])
    expect(leftovers('self-test', ['Saved.'])).toContainEqual(expect.stringContaining('(options_saved)'))
    expect(leftovers('self-test', ['Connected to wallet.example: USD, scale 6, address g.x'])).toContainEqual(expect.stringContaining('(options_connected)'))
    expect(leftovers('self-test', ['options_save'])).toEqual(['self-test: raw message key options_save in "options_save"'])
  })

  it.each(pages)('%s has no English left', async (path) => {
    let page: Page
    if (path === 'src/popup/index.html') {
      // Like the real popup: a window of its own, for the demo page's tab.
      const url = `chrome-extension://${browser.extensionId}/${path}?tab=${demoTab}`
      const opened = browser.context.waitForEvent('page', { predicate: (p) => p.url() === url })
      await control.evaluate(async (u) => { await chrome.windows.create({ url: u, focused: false, type: 'popup', width: 360, height: 560 }) }, url)
      page = await opened
    } else if (path === 'src/events/index.html') {
      page = await browser.openExtensionPage(`${path}?tab=${demoTab}`)
    } else {
      page = await browser.openExtensionPage(path)
    }
    try {
      await page.waitForLoadState('load')
      await settled(page)
      const lang = await page.evaluate(() => document.documentElement.lang)
      const texts = await rendered(page)
      if (path === 'src/tester/index.html') {
        // A failing pointer (steps, fixes, not reached) and a paying one (the payment's figures).
        for (const p of [pointer('gone/languages-404'), pointer('languages-tester')]) {
          await page.locator('#pointer').fill(p)
          await page.locator('button[type="submit"]').click()
          await page.locator('section [role="status"][data-tone]').waitFor({ timeout: 20_000 })
          await settled(page)
          texts.push(...await rendered(page))
        }
      }
      const problems = leftovers(path, texts)
      if (!lang.startsWith(LANGUAGE)) problems.unshift(`${path}: <html lang="${lang}">, not ${LANGUAGE}`)
      expect(problems).toEqual([])
    } finally {
      await page.close()
    }
  })
})
