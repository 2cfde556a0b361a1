/**
 * The composition root: builds every service of the worker from what the platform provides, so that
 * tests can build the same graph with fakes. Nothing here registers listeners; index.ts does.
 */
import type { Browser, Runtime } from 'webextension-polyfill'
import BtpPlugin from 'ilp-plugin-btp'
import { fetch as ildcpFetch } from 'ilp-protocol-ildcp'
import { parseDecimal } from '../shared/money.ts'
import type { Log } from '../shared/log.ts'
import { POPUP_PORT_NAME } from '../shared/messages.ts'
import { Attention, type IdleState } from './attention.ts'
import { watchedSocket } from './btp-socket.ts'
import { Budget, LOOKBACK_DAYS } from './budget.ts'
import { createPortHandler, PagePorts } from './content-port.ts'
import { Ledger } from './ledger.ts'
import { Monetizer } from './monetizer.ts'
import { SettingsStore } from './settings-store.ts'
import { querySpsp } from './spsp.ts'
import { StreamPayer } from './stream-payer.ts'
import { TabEvents } from './tab-events.ts'
import { createTester } from './tester.ts'
import { createUiHandler, isOwnPage, schemeAndHost } from './ui-api.ts'
import { Uplink } from './uplink.ts'

export interface Platform {
  browser: Browser
  fetch: typeof fetch
  now: () => number
  log: Log
}

export function createServices({ browser, fetch, now, log }: Platform) {
  const settings = new SettingsStore(browser.storage.local)
  const uplink = new Uplink({
    createPlugin: (server, onSocketError) => new BtpPlugin({ server }, { WebSocket: watchedSocket(onSocketError) }),
    ildcp: (plugin) => ildcpFetch((data) => plugin.sendData(data)),
    now,
  })
  uplink.onChange((s) => log.info(`uplink ${s.state}${s.state === 'failed' ? `: ${s.reason}` : ''}`))
  const pagePorts = new PagePorts()
  const ledger = new Ledger()
  const budget = new Budget({
    settings: () => settings.current,
    asset: () => uplink.knownAsset,
    now,
    dayOf: (at) => ledger.dayOf(at),
  })
  const attention = new Attention({
    focusedWindows: async () => (await browser.windows.getAll()).filter((w) => w.focused && w.id !== undefined).map((w) => w.id ?? -1),
  })
  const monetizer = new Monetizer({
    visit: {
      uplinkConfigured: () => uplink.configured,
      connectPlugin: (signal) => uplink.connectPlugin(signal),
      reportUplinkConnected: (asset, address) => uplink.reportConnected(asset, address),
      querySpsp: (url, signal) => querySpsp(url, { fetch, signal }),
      openPayer: (opts) => StreamPayer.open(opts),
      uplinkAsset: () => uplink.knownAsset,
      ratePerHour: (asset) => parseDecimal(settings.current.ratePerHour, asset.scale),
      now,
    },
    ledger,
    budget,
    settings: () => settings.current,
    attention: (windowId) => attention.reason(windowId),
    log,
    notify: (tabId, frameId, event) => pagePorts.send(tabId, frameId, event),
  })
  attention.onChange(() => { monetizer.attentionChanged() })

  /** Idle detection follows the user's setting (the idle API counts in seconds). */
  async function watchIdle(): Promise<void> {
    const seconds = settings.current.idleMinutes * 60
    browser.idle.setDetectionInterval(seconds)
    attention.setIdle(await browser.idle.queryState(seconds))
  }

  const ready = (async () => {
    const loaded = await settings.load()
    uplink.configure(loaded.uplinkUrl)
    // storage.session is empty after a browser restart: no visit of an earlier session can come back.
    const freshSession = (await browser.storage.session.get('session')).session === undefined
    if (freshSession) await browser.storage.session.set({ session: now() })
    budget.load(await ledger.rowsSince(ledger.dayOf(now() - LOOKBACK_DAYS * 86_400_000)))
    await monetizer.restore(freshSession)
    await Promise.all([attention.refreshFocus(), watchIdle()])
  })()
  ready.catch((e: unknown) => log.error('startup failed', e))

  const extensionId = browser.runtime.id
  const extensionOrigin = schemeAndHost(new URL(browser.runtime.getURL('/')))
  const events = new TabEvents()
  const onPagePort = createPortHandler({ extensionId, monetizer, ready, log, ports: pagePorts, events })
  return {
    ready,
    onConnect: (port: Runtime.Port) => {
      if (port.name !== POPUP_PORT_NAME) {
        onPagePort(port)
        return
      }
      // Trickle's popup is open: the focus it takes from the window must not pause the page.
      if (!isOwnPage(port.sender, extensionId, extensionOrigin)) {
        port.disconnect()
        return
      }
      attention.popupOpened()
      port.onDisconnect.addListener(() => { attention.popupClosed() })
    },
    onMessage: createUiHandler({
      extensionId,
      extensionOrigin,
      settings,
      uplink,
      monetizer,
      budget,
      ledger,
      ready,
      settingsChanged: () => { void watchIdle().catch(() => undefined) },
      events,
      checkPointer: createTester({ uplink, budget, ledger, settings: () => settings.current, fetch, now }),
    }),
    onTabRemoved: (tabId: number) => {
      events.forget(tabId)
      void ready.then(() => monetizer.tabRemoved(tabId))
    },
    onFocusChanged: () => { void ready.then(() => attention.refreshFocus()) },
    onTabAttached: (tabId: number, info: { newWindowId: number }) => { void ready.then(() => monetizer.tabMoved(tabId, info.newWindowId)) },
    onIdleChanged: (state: IdleState) => { attention.setIdle(state) },
  }
}
