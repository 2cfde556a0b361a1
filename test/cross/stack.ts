/**
 * What the scenarios that run in both browsers need of a browser with Trickle, whatever drives it
 * (playwright-core for Chromium, puppeteer-core over WebDriver BiDi for Firefox). Pages are reached
 * through the few methods both libraries share; Trickle's own pages are used through their labels.
 */
import type { TabStatus } from '../../src/shared/status.ts'
import type { Network } from '../sandbox/network.ts'

/** A tab, as both drivers give it. */
export interface CrossPage {
  goto(url: string): Promise<unknown>
  reload(): Promise<unknown>
  close(): Promise<void>
  bringToFront(): Promise<void>
  /** Runs `fn` in the page's own world and returns its (JSON) result. */
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>
}

export interface CrossStack {
  browserName: 'chromium' | 'firefox'
  net: Network
  /** The uplink's sockets as the proxy or front before the connector counts them: a stopped background closes its own. */
  uplinkSockets(): { accepted: number; open: number }
  /** A new tab on `url`, in front. */
  open(url: string): Promise<CrossPage>
  /** Puts another tab in front of `page` (which is then hidden), or `page` back in front. */
  hide(page: CrossPage): Promise<void>
  show(page: CrossPage): Promise<void>
  status(page: CrossPage): Promise<TabStatus>
  ask<T = unknown>(type: string, input: unknown): Promise<T>
  /** Everything in `storage.local` and `storage.session`, read by Trickle's own page. */
  extensionStorage(): Promise<{ local: Record<string, unknown>; session: Record<string, unknown> }>
  /** Writes `items` into `storage.local`, as a Firefox content script can (Chromium's cannot). */
  plantInStorageLocal(items: Record<string, unknown>): Promise<void>
  /** Saves settings through the options page, by its labels. */
  configure(opts: { ratePerHour?: string; budget?: string }): Promise<void>
  /** The popup for the tab of `page`, opened as the user would see it, and its text. */
  popupText(page: CrossPage): Promise<string>
  /**
   * Stops Trickle's background while `page` is being paid, as the browser itself may: Chromium's
   * service worker is killed; Firefox's event page is let go idle (hidden page, lowered idle timeout).
   * Resolves once the page is in front again.
   */
  stopBackground(page: CrossPage): Promise<void>
  stop(): Promise<void>
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
