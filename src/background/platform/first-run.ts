/**
 * The first-run page: opened once, in a new tab, when Trickle is installed; never on an update, a
 * browser update or a browser start. `tabs.create` needs no "tabs" permission (that permission only
 * unlocks reading tabs' URLs and titles), so the manifest asks for nothing more.
 */
import type { Runtime, Tabs } from 'webextension-polyfill'
import { createLog, type Log } from '../../shared/log.ts'

export const WELCOME_PAGE = 'src/welcome/index.html'

/** What the listener needs of the browser (a fake in unit tests). */
export interface FirstRunApi {
  runtime: { getURL(path: string): string }
  tabs: { create(props: Tabs.CreateCreatePropertiesType): Promise<unknown> }
}

/**
 * The `runtime.onInstalled` listener: the welcome page on install only. A failure to open it is
 * logged, never thrown into the browser's event dispatch.
 */
export function firstRun(api: FirstRunApi, log: Log = createLog('first-run')): (details: Runtime.OnInstalledDetailsType) => void {
  return (details) => {
    if (details.reason !== 'install') return
    api.tabs.create({ url: api.runtime.getURL(WELCOME_PAGE) }).catch((e: unknown) => { log.warn('could not open the welcome page', e) })
  }
}
