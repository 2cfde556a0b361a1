/**
 * The uplink: the user's Interledger account, reached over BTP (a WebSocket) or ILP over HTTP (RFC
 * 0035, http-link.ts); `deps.createPlugin` picks the transport by the uplink's kind. It hands out one
 * plugin per STREAM connection (a plugin takes one data handler), learns the account's asset through
 * ILDCP, and keeps a state the popup and options page show, the same for both kinds: connected,
 * connecting, or failed and why. The uplink holds the user's secret (the BTP secret, the HTTP token):
 * it never leaves this module and extension storage.
 */
import { t } from '../../shared/i18n.ts'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import { isAsset, type Asset } from '../../shared/money.ts'
import { errorMessage } from '../../shared/result.ts'
import { validateUplink, type ParsedUplink } from '../../shared/settings.ts'
import type { UplinkState } from '../../shared/status.ts'

export interface UplinkDeps {
  /**
   * A plugin for the uplink, of its kind: BTP (`onSocketError` is called on any socket error: refused,
   * dropped) or ILP over HTTP (its connect() itself fails, saying why).
   */
  createPlugin(uplink: ParsedUplink, onSocketError: () => void): Plugin
  ildcp(plugin: Plugin): Promise<{ clientAddress: string; assetCode: string; assetScale: number }>
  now(): number
}

export const UPLINK_CONNECT_TIMEOUT_MS = 10_000
const SPARE_DELAY_MS = 100

export class UplinkError extends Error {
  override name = 'UplinkError'
}

export class Uplink {
  private url: string | null = null
  private parsed: ParsedUplink | null = null
  /** host[:port] of the configured uplink: what may be shown (the URL itself holds the secret). */
  private hostName = ''
  private current: UplinkState = { state: 'not-configured' }
  private lastAsset: Asset | null = null
  /**
   * One connected plugin kept ready for the next STREAM connection, so a new page's first payment
   * does not wait for a WebSocket handshake and BTP authentication. Replaced each time it is used.
   */
  private spare: { url: string; plugin: Promise<Plugin | null> } | null = null
  private readonly listeners = new Set<(s: UplinkState) => void>()

  constructor(private readonly deps: UplinkDeps) {}

  get configured(): boolean { return this.url !== null }
  /** Which transport the configured uplink uses. */
  get kind(): ParsedUplink['kind'] | null { return this.parsed?.kind ?? null }
  get state(): UplinkState { return this.current }
  /** The asset ILDCP last reported for the configured uplink, even while reconnecting. */
  get knownAsset(): Asset | null { return this.lastAsset }

  onChange(listener: (s: UplinkState) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Points the uplink somewhere else (or nowhere). Callers restart what was using the old one. */
  configure(url: string | null): void {
    if (url === this.url) return
    const parsed = url === null ? null : validateUplink(url)
    if (parsed?.ok === false) throw new UplinkError('invalid uplink URL')
    this.url = url
    this.parsed = parsed?.ok === true ? parsed.value : null
    this.hostName = parsed?.ok === true ? parsed.value.host : ''
    this.lastAsset = null
    this.dropSpare()
    this.set(url === null ? { state: 'not-configured' } : { state: 'connecting', host: this.hostName })
  }

  /** A connected plugin of its own for one STREAM connection. Throws an UplinkError saying why not. */
  async connectPlugin(signal?: AbortSignal): Promise<Plugin> {
    if (this.url === null) throw new UplinkError(t('worker_noUplink'))
    const spare = this.spare
    if (spare !== null && spare.url === this.url) {
      this.spare = null
      const plugin = await spare.plugin
      if (plugin?.isConnected() === true && spare.url === this.url) {
        this.prepareSpareSoon()
        return plugin
      }
      await plugin?.disconnect().catch(() => undefined)
    }
    const plugin = await this.connectNew(signal)
    this.prepareSpareSoon()
    return plugin
  }

  /** Later, not now: building a socket costs main-thread time the current page's first payment needs. */
  private prepareSpareSoon(): void {
    setTimeout(() => this.prepareSpare(), SPARE_DELAY_MS)
  }

  private prepareSpare(): void {
    const url = this.url
    if (url === null || this.spare !== null) return
    this.spare = { url, plugin: this.connectNew().catch(() => null) }
  }

  private dropSpare(): void {
    const spare = this.spare
    this.spare = null
    void spare?.plugin.then((p) => p?.disconnect()).catch(() => undefined)
  }

  private async connectNew(signal?: AbortSignal): Promise<Plugin> {
    if (this.url === null || this.parsed === null) throw new UplinkError(t('worker_noUplink'))
    const url = this.url
    let socketFailed: (() => void) | null = null
    const plugin = this.deps.createPlugin(this.parsed, () => socketFailed?.())
    if (this.current.state !== 'connected') this.set({ state: 'connecting', host: this.hostName })
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      await Promise.race([
        plugin.connect(),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new UplinkError(t('worker_uplinkNoAnswer', UPLINK_CONNECT_TIMEOUT_MS / 1000))), UPLINK_CONNECT_TIMEOUT_MS)
          signal?.addEventListener('abort', () => reject(new UplinkError(t('worker_uplinkCancelled'))), { once: true })
          // While connecting, a socket error means the uplink refused or is unreachable: say so now.
          socketFailed = () => reject(new UplinkError(t('worker_uplinkRefused')))
        }),
      ])
      socketFailed = null
    } catch (e) {
      await plugin.disconnect().catch(() => undefined)
      const reason = t('worker_uplinkConnectFailed', errorMessage(e))
      if (url === this.url && signal?.aborted !== true) this.reportFailed(reason)
      throw new UplinkError(reason)
    } finally {
      clearTimeout(timer)
    }
    return plugin
  }

  /**
   * Connects, asks ILDCP who we are, disconnects: the options page's "test the uplink". Always a link
   * of its own, connected now: the spare's answer (asked when it connected) may be minutes old.
   */
  async probe(): Promise<UplinkState> {
    if (this.url === null) return this.current
    let plugin: Plugin
    try {
      plugin = await this.connectNew()
    } catch {
      return this.current
    }
    try {
      const info = await this.deps.ildcp(plugin)
      const asset = { code: info.assetCode, scale: info.assetScale }
      if (isAsset(asset)) this.reportConnected(asset, info.clientAddress)
      else this.reportFailed(t('worker_uplinkBadAsset'))
    } catch (e) {
      this.reportFailed(t('worker_uplinkNoAsset', errorMessage(e)))
    } finally {
      await plugin.disconnect().catch(() => undefined)
    }
    return this.current
  }

  reportConnected(asset: Asset, address: string): void {
    if (this.url === null) return
    this.lastAsset = asset
    this.set({ state: 'connected', host: this.hostName, asset, address, at: this.deps.now() })
  }

  reportFailed(reason: string): void {
    if (this.url === null) return
    this.set({ state: 'failed', host: this.hostName, reason, at: this.deps.now() })
  }

  private set(state: UplinkState): void {
    this.current = state
    for (const l of this.listeners) l(state)
  }
}
