/**
 * The composition root: builds every service of the worker from what the platform provides, so that
 * tests can build the same graph with fakes. Nothing here registers listeners; index.ts does.
 */
import type { Browser } from 'webextension-polyfill'
import BtpPlugin from 'ilp-plugin-btp'
import { fetch as ildcpFetch } from 'ilp-protocol-ildcp'
import { parseDecimal } from '../shared/money.ts'
import type { Log } from '../shared/log.ts'
import { watchedSocket } from './btp-socket.ts'
import { createPortHandler, PagePorts } from './content-port.ts'
import { Monetizer } from './monetizer.ts'
import { SettingsStore } from './settings-store.ts'
import { querySpsp } from './spsp.ts'
import { StreamPayer } from './stream-payer.ts'
import { createUiHandler, schemeAndHost } from './ui-api.ts'
import { Uplink } from './uplink.ts'
import { VisitStore } from './visit-store.ts'

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
  const monetizer = new Monetizer({
    uplinkConfigured: () => uplink.configured,
    connectPlugin: (signal) => uplink.connectPlugin(signal),
    reportUplinkConnected: (asset, address) => uplink.reportConnected(asset, address),
    querySpsp: (url, signal) => querySpsp(url, { fetch, signal }),
    openPayer: (opts) => StreamPayer.open(opts),
    uplinkAsset: () => uplink.knownAsset,
    ratePerHour: (asset) => parseDecimal(settings.current.ratePerHour, asset.scale),
    now,
  }, new VisitStore(browser.storage.session), log, (tabId, frameId, event) => pagePorts.send(tabId, frameId, event))

  const ready = (async () => {
    const loaded = await settings.load()
    uplink.configure(loaded.uplinkUrl)
    await monetizer.restore()
  })()
  ready.catch((e: unknown) => log.error('startup failed', e))

  const extensionId = browser.runtime.id
  return {
    ready,
    onConnect: createPortHandler({ extensionId, monetizer, ready, log, ports: pagePorts }),
    onMessage: createUiHandler({
      extensionId,
      extensionOrigin: schemeAndHost(new URL(browser.runtime.getURL('/'))),
      settings,
      uplink,
      monetizer,
      ready,
    }),
    onTabRemoved: (tabId: number) => { void ready.then(() => monetizer.tabRemoved(tabId)) },
  }
}
