/**
 * The composition root: builds every service of the worker from what the platform provides, so that
 * tests can build the same graph with fakes. Nothing here registers listeners; index.ts does.
 */
import type { Browser, Runtime } from 'webextension-polyfill'
import BtpPlugin from 'ilp-plugin-btp'
import { fetch as ildcpFetch } from 'ilp-protocol-ildcp'
import { isRecord } from '../shared/guards.ts'
import { parseDecimal } from '../shared/money.ts'
import type { Log } from '../shared/log.ts'
import { PAGE_WATCH_PORT_NAME, POPUP_PORT_NAME } from '../shared/messages.ts'
import { Attention, type IdleState } from './platform/attention.ts'
import { pagePresent } from './platform/presence.ts'
import { watchedSocket } from './payment/btp-socket.ts'
import { HttpLink } from './payment/http-link.ts'
import { IldcpReady } from './payment/ildcp-ready.ts'
import { Budget, LOOKBACK_DAYS } from './ledger/budget.ts'
import { createPortHandler, PagePorts } from './messaging/content-port.ts'
import { Ledger } from './ledger/ledger.ts'
import { Monetizer } from './pages/monetizer.ts'
import { Toolbar, toolbarState } from './pages/toolbar.ts'
import { SettingsStore } from './platform/settings-store.ts'
import { FramePolicies, type HeadersDetails } from './pages/frame-policies.ts'
import { RedirectWatch, type RedirectDetails } from './payment/redirect-watch.ts'
import { querySpsp } from './payment/spsp.ts'
import { StreamPayer } from './payment/stream-payer.ts'
import { TabEvents } from './site-owner/tab-events.ts'
import { createTester } from './site-owner/tester.ts'
import { UiChanges } from './messaging/ui-changes.ts'
import { createUiHandler, isOwnPage, schemeAndHost } from './messaging/ui-api.ts'
import { Uplink } from './payment/uplink.ts'

/** The web Trickle works on: its content scripts' matches and its host permissions (manifest.json). */
export const WEB_URLS = ['https://*/*', 'http://localhost/*', 'http://127.0.0.1/*']

const WINDOW_TYPES: ('normal' | 'popup' | 'app')[] = ['normal', 'popup', 'app']
/** A startup step at least this slow is logged with its time. */
const SLOW_STEP_MS = 50

export interface Platform {
  browser: Browser
  fetch: typeof fetch
  now: () => number
  log: Log
}

export function createServices({ browser, fetch, now, log }: Platform) {
  const ledger = new Ledger({ now, log })
  // A damaged settings value goes to the ledger database's quarantine (redacted by the store).
  const settings = new SettingsStore(ledger.settingsArea(), {
    quarantine: (value, reason) => ledger.quarantine('settings', 'settings', value, reason),
    legacy: browser.storage.local,
    log,
  })
  const uplink = new Uplink({
    // The transport by the uplink's kind: BTP over a WebSocket, or ILP over HTTP on the worker's fetch.
    createPlugin: (up, onSocketError) => up.kind === 'btp'
      ? new IldcpReady(new BtpPlugin({ server: up.url }, { WebSocket: watchedSocket(onSocketError) }))
      : new HttpLink(up, { fetch }),
    ildcp: (plugin) => ildcpFetch((data) => plugin.sendData(data)),
    now,
  })
  // Open extension pages are told when what they show may have changed (ui-changes.ts).
  const uiChanges = new UiChanges(now)
  // …and so is each tab's toolbar button (pages/toolbar.ts), from the same notices.
  const changed = (): void => { uiChanges.changed(); toolbar.changed() }
  // Each connection reports the uplink connected again: logged when what it says changes, not per page.
  let uplinkLogged = ''
  uplink.onChange((s) => {
    const line = `uplink ${s.state}${s.state === 'failed' ? `: ${s.reason}` : ''}`
    if (line !== uplinkLogged) log.info(line)
    uplinkLogged = line
    changed()
  })
  const pagePorts = new PagePorts()
  const extensionOrigin = schemeAndHost(new URL(browser.runtime.getURL('/')))
  const redirects = new RedirectWatch(extensionOrigin, now)
  const redirectTarget = (url: string, sentAt: number): Promise<string | null> => redirects.target(url, sentAt)
  const framePolicies = new FramePolicies(browser.storage.session)
  /**
   * Whether the budget holds this period's spending from the ledger. Until it does, it answers as if
   * the uplink's asset were unknown, so that nothing is authorised: an empty budget would let the user
   * spend the period's budget a second time.
   */
  let budgetLoaded = false
  const budget = new Budget({
    settings: () => settings.current,
    asset: () => (budgetLoaded ? uplink.knownAsset : null),
    now,
    dayOf: (at) => ledger.dayOf(at),
  })
  // Every kind of window a page can be read in (an installed web app's too), read once per refresh:
  // focus and shown tabs come from the same answer.
  let windowsReading: ReturnType<typeof browser.windows.getAll> | null = null
  const windowsNow = (): ReturnType<typeof browser.windows.getAll> =>
    (windowsReading ??= browser.windows.getAll({ populate: true, windowTypes: WINDOW_TYPES }).finally(() => { windowsReading = null }))
  const attention = new Attention({
    focusedWindows: async () => (await windowsNow()).filter((w) => w.focused && w.id !== undefined).map((w) => w.id ?? -1),
    shownTabs: async () => (await windowsNow())
      .filter((w) => w.state !== 'minimized')
      .flatMap((w) => (w.tabs ?? []).filter((t) => t.active && t.id !== undefined).map((t) => t.id ?? -1)),
  })
  const monetizer = new Monetizer({
    visit: {
      uplinkConfigured: () => uplink.configured,
      connectPlugin: (signal) => uplink.connectPlugin(signal),
      reportUplinkConnected: (asset, address) => uplink.reportConnected(asset, address),
      querySpsp: (url, signal, checkHop) => querySpsp(url, { fetch, signal, redirectTarget, ...(checkHop === undefined ? {} : { checkHop }) }),
      openPayer: (opts) => StreamPayer.open(opts),
      uplinkAsset: () => uplink.knownAsset,
      ratePerHour: (asset) => parseDecimal(settings.current.ratePerHour, asset.scale),
      now,
    },
    ledger,
    budget,
    settings: () => settings.current,
    attention: (windowId, tabId) => attention.reason(windowId, tabId),
    headerPolicy: (tabId, frameId, pageUrl) => framePolicies.of(tabId, frameId, pageUrl),
    log,
    notify: (tabId, frameId, event) => {
      pagePorts.send(tabId, frameId, event)
      changed()
    },
    changed,
  })
  attention.onChange(() => {
    monetizer.attentionChanged()
    changed()
  })
  // Each tab's toolbar button, from what the popup would be told (`attention.reason` of no window: idle or locked).
  const siteOf = (tabId: number): string => monetizer.siteOfTab(tabId) ?? ''
  const toolbar = new Toolbar({ action: browser.action, log, stateOf: (tabId) => toolbarState(monetizer.status(tabId), {
    uplink: uplink.state.state, paused: settings.current.paused, sitePaused: settings.current.sites[siteOf(tabId)]?.paused === true,
    idle: attention.reason(undefined) !== null, limit: () => budget.room(siteOf(tabId)).limit,
  }) })

  /** Idle detection follows the user's setting (the idle API counts in seconds). */
  async function watchIdle(): Promise<void> {
    const seconds = settings.current.idleMinutes * 60
    browser.idle.setDetectionInterval(seconds)
    attention.setIdle(await browser.idle.queryState(seconds))
  }

  /** Runs one startup step; a failure is logged and the next steps still run (see `ready`). */
  async function step(name: string, run: () => Promise<void>): Promise<boolean> {
    const began = now()
    try {
      await run()
      // A slow start is worth knowing about (every page's first payment waits for it).
      if (now() - began >= SLOW_STEP_MS) log.info(`startup: ${name} took ${now() - began} ms`)
      return true
    } catch (e) {
      log.error(`startup: ${name} failed`, e)
      return false
    }
  }

  /**
   * Reads this period's spending into the budget; until it works, nothing is authorised (see
   * budgetLoaded). The day totals come first: with them the budget's limit holds and payments start;
   * every site's rows follow in the same snapshot (budget-start.ts), and only then are capped sites
   * paid. If the rows cannot be read after the totals were, capped sites stay unpaid until the worker
   * starts again (reading them again now could count this worker's payments twice).
   */
  async function loadBudget(): Promise<void> {
    const start = await ledger.budgetStart(ledger.dayOf(now() - LOOKBACK_DAYS * 86_400_000))
    const totals = await start.totals
    if (totals === null) {
      budget.load((await start.rows).rows)
      budgetLoaded = true
      return
    }
    budget.loadTotals(totals)
    budgetLoaded = true
    changed()
    void start.rows.then(({ rows }) => {
      budget.load(rows) // a capped site's visit at its limit looks again within a second
      changed()
    }, (e: unknown) => { log.error('startup: could not read the sites\' rows: capped sites stay unpaid', e) })
  }
  const BUDGET_RETRY_MS = 30_000
  function retryBudget(): void {
    setTimeout(() => { void step('loading the budget (again)', loadBudget).then((done) => { if (!done) retryBudget() }) }, BUDGET_RETRY_MS)
  }

  /**
   * Startup never rejects: every request and page report waits for it, so one failing step (a damaged
   * record, storage that cannot be read) must not silence the whole worker. Each step is guarded and
   * falls back to the safe choice; what failed is logged (and settings failures are shown to the user).
   */
  const ready = (async () => {
    // Content scripts may read and write storage.local by default, and a compromised renderer can speak
    // for one. Trickle keeps nothing there (settings live in its IndexedDB, settings-store.ts); where the
    // browser can also close the area to content scripts (Chrome ≥ 140), it does, in case.
    await step('restricting storage to Trickle', async () => {
      const local = browser.storage.local as typeof browser.storage.local & { setAccessLevel?: (o: { accessLevel: 'TRUSTED_CONTEXTS' }) => Promise<void> }
      await local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' })
    })
    await step('loading the settings', async () => { await settings.load() })
    uplink.configure(settings.current.uplinkUrl)
    // storage.session is empty after a browser restart: no visit of an earlier session can come back.
    // Unknown: as if not fresh (visits wait for their pages, held against the budget, then settle).
    let freshSession = false
    await step('reading the session', async () => {
      freshSession = (await browser.storage.session.get('session')).session === undefined
      if (freshSession) await browser.storage.session.set({ session: now() })
    })
    await step('reading the header policies of open pages', () => framePolicies.load())
    if (!await step('loading the budget', loadBudget)) retryBudget()
    await step('restoring visits', () => monetizer.restore(freshSession))
    await step('reading focus and idle state', async () => { await Promise.all([attention.refreshFocus(), watchIdle()]) })
  })()

  const extensionId = browser.runtime.id
  const events = new TabEvents()
  const onPagePort = createPortHandler({ extensionId, monetizer, ready, log, ports: pagePorts, events, changed })
  return {
    ready,
    onConnect: (port: Runtime.Port) => {
      if (port.name !== POPUP_PORT_NAME && port.name !== PAGE_WATCH_PORT_NAME) {
        toolbar.track(port.sender?.tab?.id, port.sender?.frameId === 0)
        onPagePort(port)
        return
      }
      if (!isOwnPage(port.sender, extensionId, extensionOrigin)) {
        port.disconnect()
        return
      }
      uiChanges.watch(port)
      if (port.name !== POPUP_PORT_NAME) return
      // Trickle's popup is open: the focus it takes from the window must not pause the page.
      attention.popupOpened()
      port.onDisconnect.addListener(() => { attention.popupClosed() })
    },
    onMessage: notifyingChanges(changed, createUiHandler({
      extensionId,
      extensionOrigin,
      settings,
      uplink,
      monetizer,
      budget,
      ledger,
      ready,
      log,
      settingsChanged: () => { void watchIdle().catch(() => undefined) },
      events,
      pagePresent: (tabId) => pagePresent(browser, tabId),
      checkPointer: createTester({ uplink, budget, ledger, settings: () => settings.current, fetch, redirectTarget, now }),
    })),
    onTabRemoved: (tabId: number) => {
      toolbar.tabRemoved(tabId)
      changed()
      events.forget(tabId)
      framePolicies.tabRemoved(tabId)
      void ready.then(() => monetizer.tabRemoved(tabId))
    },
    onFocusChanged: () => { void ready.then(() => attention.refreshFocus()) },
    onTabActivated: () => { void ready.then(() => attention.refreshFocus()) },
    /** A tab replaced by another (prerender activation, instant pages): its new id may now be shown. */
    onTabReplaced: (_added: number, removed: number) => { toolbar.tabRemoved(removed); void ready.then(() => attention.refreshFocus()) },
    onTabAttached: (tabId: number, info: { newWindowId: number }) => { void ready.then(() => { monetizer.tabMoved(tabId, info.newWindowId); return attention.refreshFocus() }) },
    onIdleChanged: (state: IdleState) => { attention.setIdle(state) },
    onBeforeRedirect: (details: RedirectDetails) => { redirects.observed(details) },
    onHeadersReceived: (details: HeadersDetails) => { framePolicies.observed(details) },
  }
}

/** A UI request that may change something (anything but a `get-…`) tells the open pages once answered. */
function notifyingChanges<H extends (message: unknown, sender: Runtime.MessageSender) => unknown>(changed: () => void, handler: H): H {
  return ((message: unknown, sender: Runtime.MessageSender) => {
    const reply = handler(message, sender)
    const type = isRecord(message) ? message.type : undefined
    if (typeof type === 'string' && !type.startsWith('get-')) void Promise.resolve(reply).finally(changed)
    return reply
  }) as H
}
