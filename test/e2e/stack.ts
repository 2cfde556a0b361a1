/**
 * The end-to-end stack: the sandbox ILP network and Chromium with the built extension, its uplink set
 * through the options page exactly as a user would. `control` is an extension page kept open to ask
 * the worker for tab status over the extension's own message protocol.
 */
import type { Page } from 'playwright-core'
import type { ExportRow } from '../../src/shared/ledger-file.ts'
import type { TabStatus } from '../../src/shared/status.ts'
import { launchWithExtension, type ExtensionBrowser } from '../sandbox/browser.ts'
import { startNetwork, type Network } from '../sandbox/network.ts'
import { freePort } from '../sandbox/ports.ts'
import { waitFor as waitUntil } from '../cross/stack.ts'
import { PUBLIC_SITE_ARGS, startPublicSite, type PublicSite } from '../sandbox/public-site.ts'
import type { Packet } from '../sandbox/receiver.ts'

export interface Stack {
  net: Network
  browser: ExtensionBrowser
  control: Page
  /**
   * Saves settings through the options page form. `httpToken`: the bearer token field (shown once the
   * uplink field holds an http(s) endpoint).
   */
  configure(opts: { uplinkUrl?: string; httpToken?: string; ratePerHour?: string; budget?: string }): Promise<void>
  /** Asks the worker, as Trickle's pages do. */
  ask<T = unknown>(type: string, input: unknown): Promise<T>
  /** Every ledger row, read page by page as the options page's export reads them. */
  ledgerRows(): Promise<ExportRow[]>
  /** Opens `url` in a focused window of its own (Trickle pays only windows with focus). */
  openWindow(url: string): Promise<Page>
  /** The popup for the tab of `page`, opened in a window of its own like the real one. */
  openPopup(page: Page): Promise<Page>
  tabId(page: Page): Promise<number>
  status(page: Page): Promise<TabStatus>
  /** The popup, opened as a page for the tab of `page`, and its visible text. */
  popupText(page: Page): Promise<string>
  /** The stand-in public website, if asked for. */
  publicSite: PublicSite | null
  stop(): Promise<void>
}

/**
 * `uplinkProxy`: the uplink goes through the sandbox's fault proxy (net.proxy). `publicSite`: also a
 * stand-in public website, https://news.example (public-site.ts). `uplink: 'http'`: the extension is
 * set up with the connector's ILP-over-HTTP account (endpoint and token) instead of BTP.
 */
export async function startStack(opts: { uplinkProxy?: boolean; publicSite?: boolean; uplink?: 'btp' | 'http' } = {}): Promise<Stack> {
  const net = await startNetwork({ uplinkProxy: opts.uplinkProxy === true })
  const publicSite = opts.publicSite === true ? await startPublicSite({ port: await freePort(), spspBase: net.receiver.spspBase }) : null
  const browser = await launchWithExtension(publicSite === null ? {} : { args: PUBLIC_SITE_ARGS })
  const control = await browser.openExtensionPage('src/options/index.html')

  const configure: Stack['configure'] = async ({ uplinkUrl, httpToken, ratePerHour, budget }) => {
    // Tabs are really hidden in the background here, and a hidden tab renders no frames to click on.
    await control.bringToFront()
    if (uplinkUrl !== undefined) await control.getByLabel('Uplink URL').fill(uplinkUrl)
    if (httpToken !== undefined) await control.getByLabel('Bearer token').fill(httpToken)
    if (ratePerHour !== undefined) await control.getByLabel('Rate per hour').fill(ratePerHour)
    if (budget !== undefined) await control.getByLabel('Budget per period').fill(budget)
    await control.getByRole('button', { name: 'Save' }).click()
    await control.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: 5000 })
  }
  await configure(opts.uplink === 'http' ? { uplinkUrl: net.httpUplink.endpoint, httpToken: net.httpUplink.token } : { uplinkUrl: net.uplinkUrl })
  await control.getByLabel('Uplink status').filter({ hasText: 'Connected' }).waitFor({ timeout: 10_000 })

  const tabId = async (page: Page): Promise<number> => {
    const url = page.url()
    const id = await control.evaluate(async (u) => {
      const tabs = await chrome.tabs.query({ url: u })
      return tabs[0]?.id ?? -1
    }, url)
    if (id < 0) throw new Error(`no tab found for ${url}`)
    return id
  }

  const ask = async <T,>(type: string, input: unknown): Promise<T> => {
    const reply = await control.evaluate(async ([t, i]) =>
      chrome.runtime.sendMessage<unknown, { ok: boolean; value?: unknown; error?: string }>({ to: 'trickle-worker', type: t, input: i }), [type, input] as const)
    if (!reply.ok) throw new Error(reply.error)
    return reply.value as T
  }

  const openWindow = async (url: string): Promise<Page> => {
    const opened = browser.context.waitForEvent('page', { predicate: (p) => p.url() === url })
    await control.evaluate(async (u) => { await chrome.windows.create({ url: u, focused: true, width: 800, height: 600 }) }, url)
    return opened
  }

  const openPopup = async (page: Page): Promise<Page> => {
    const id = await tabId(page)
    const url = `chrome-extension://${browser.extensionId}/src/popup/index.html?tab=${id}`
    const opened = browser.context.waitForEvent('page', { predicate: (p) => p.url() === url })
    await control.evaluate(async (u) => { await chrome.windows.create({ url: u, focused: false, type: 'popup', width: 360, height: 560 }) }, url)
    const popup = await opened
    await popup.locator('section.status').waitFor({ timeout: 5000 })
    return popup
  }

  return {
    net,
    browser,
    control,
    configure,
    ask,
    async ledgerRows() {
      const rows: ExportRow[] = []
      for (let after: string | null = null; ;) {
        const page: { rows: ExportRow[]; next: string | null } = await ask('export-ledger-page', { after })
        rows.push(...page.rows)
        if (page.next === null) return rows
        after = page.next
      }
    },
    openWindow,
    openPopup,
    tabId,
    async status(page) {
      const id = await tabId(page)
      const reply = await control.evaluate(async (tab) =>
        chrome.runtime.sendMessage<unknown, { ok: boolean; value?: unknown; error?: string }>({ to: 'trickle-worker', type: 'get-tab-status', input: { tabId: tab } }), id)
      if (!reply.ok) throw new Error(reply.error)
      return reply.value as TabStatus
    },
    async popupText(page) {
      // A window of its own, like the real popup: a tab in the page's window would hide the page.
      const popup = await openPopup(page)
      await popup.waitForTimeout(300)
      const text = await popup.locator('main').innerText()
      await popup.close()
      return text
    },
    publicSite,
    async stop() {
      await browser.close()
      await publicSite?.stop()
      await net.stop()
    },
  }
}

export { sleep, waitFor } from '../cross/stack.ts'

/**
 * The receiver's own rate over a window: money in packets after the first, divided by the time from
 * the first to the last (each packet pays for the wall-clock time since the one before).
 */
export function measuredRate(packets: readonly Packet[]): { perSecond: number; spanMs: number } {
  const first = packets[0]
  const last = packets.at(-1)
  if (first === undefined || last === undefined || packets.length < 2) return { perSecond: 0, spanMs: 0 }
  let sum = 0n
  for (const p of packets.slice(1)) sum += p.amount
  const spanMs = last.at - first.at
  return { perSecond: (Number(sum) * 1000) / spanMs, spanMs }
}

/** Waits until a receiver's total has not moved for `quietMs`, and returns it. */
export async function settled(stack: Stack, name: string, quietMs = 2500, timeout = 20_000): Promise<bigint> {
  const account = stack.net.receiver.account(name)
  let last = account.total
  let since = Date.now()
  return waitUntil(`${name} to stop growing`, async () => {
    if (account.total !== last) {
      last = account.total
      since = Date.now()
    }
    return Date.now() - since >= quietMs ? last : undefined
  }, timeout)
}
