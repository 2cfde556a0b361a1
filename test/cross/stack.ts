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

/** What a driver's own page has in common with the others (playwright-core's and puppeteer-core's). */
interface DriverPage {
  goto(url: string): Promise<unknown>
  reload(): Promise<unknown>
  close(): Promise<void>
  bringToFront(): Promise<void>
}

/**
 * The driver's pages behind their CrossPage, so a stack can get its own page back (`pageOf`).
 * `evaluate` runs a function in a driver page (the two libraries type it differently).
 */
export function pageRegistry<P extends DriverPage>(evaluate: <R>(page: P, fn: () => R | Promise<R>) => Promise<R>): { wrap: (page: P) => CrossPage; pageOf: (p: CrossPage) => P } {
  const pages = new Map<CrossPage, P>()
  return {
    wrap: (page) => {
      const cross: CrossPage = {
        goto: (url) => page.goto(url),
        reload: () => page.reload(),
        close: async () => { pages.delete(cross); await page.close() },
        bringToFront: () => page.bringToFront(),
        evaluate: (fn) => evaluate(page, fn),
      }
      pages.set(cross, page)
      return cross
    },
    pageOf: (p) => {
      const page = pages.get(p)
      if (page === undefined) throw new Error('not a page of this stack')
      return page
    },
  }
}

export interface CrossStack {
  browserName: 'chromium' | 'firefox'
  net: Network
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
  /** Opens the popup for the tab of `page`, presses the button named `button`, and closes it. */
  popupPress(page: CrossPage, button: string): Promise<void>
  /**
   * Stops Trickle's background while `page` is being paid, as the browser itself may: Chromium's
   * service worker is killed; Firefox's event page is let go idle (hidden page, lowered idle timeout).
   * Resolves once the page is in front again.
   */
  stopBackground(page: CrossPage): Promise<void>
  stop(): Promise<void>
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls until `fn` returns a value that is not undefined, or throws after `ms`. */
export async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}
