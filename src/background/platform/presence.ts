/**
 * Whether Trickle's content script runs in a tab that never reported. A page with no tag and no frame
 * to vouch for does not connect (its content script tells the worker nothing of the pages a person
 * reads that are not monetized), so when the popup asks about such a tab, its top frame is asked
 * instead. No answer: a page where extensions do not run, or one loaded before Trickle was installed.
 */
import type { Browser } from 'webextension-polyfill'
import { PRESENCE_PING, PRESENCE_REPLY } from '../../shared/messages.ts'

/** A content script answers at once; the popup should not wait long for one that is not there. */
export const PRESENCE_TIMEOUT_MS = 500

/** The top page's address (from the browser, not from the page) if our script answered, else null. */
export async function pagePresent(browser: Pick<Browser, 'tabs'>, tabId: number): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const answer = await Promise.race([
    browser.tabs.sendMessage(tabId, PRESENCE_PING, { frameId: 0 }).catch(() => null),
    new Promise((resolve) => { timer = setTimeout(() => resolve(null), PRESENCE_TIMEOUT_MS) }),
  ]).finally(() => clearTimeout(timer))
  if (answer !== PRESENCE_REPLY) return null
  const tab = await browser.tabs.get(tabId)
  return tab.url ?? null
}
