// Entry: wires only. Node globals first (the ILP libraries read them as they load), then every
// listener synchronously at top level, so the event that woke the worker is not missed.
import './platform/node-globals.ts'
import browser from 'webextension-polyfill'
import { createLog } from '../shared/log.ts'
import { createServices, WEB_URLS } from './services.ts'
import { firstRun } from './platform/first-run.ts'

const services = createServices({ browser, fetch: globalThis.fetch.bind(globalThis), now: Date.now, log: createLog('worker') })
browser.runtime.onConnect.addListener(services.onConnect)
browser.runtime.onMessage.addListener(services.onMessage)
browser.tabs.onRemoved.addListener(services.onTabRemoved)
browser.windows.onFocusChanged.addListener(services.onFocusChanged)
browser.tabs.onAttached.addListener(services.onTabAttached)
browser.tabs.onActivated.addListener(services.onTabActivated)
browser.tabs.onReplaced.addListener(services.onTabReplaced)
browser.idle.onStateChanged.addListener(services.onIdleChanged)
browser.runtime.onInstalled.addListener(firstRun(browser))
// The worker's own redirected requests (SPSP lookups), so each hop is checked before it is followed.
browser.webRequest.onBeforeRedirect.addListener(services.onBeforeRedirect, { urls: WEB_URLS, types: ['xmlhttprequest', 'other'], tabId: -1 })
// Response headers of pages and frames: their CSP and Permissions-Policy, which content scripts cannot see.
browser.webRequest.onHeadersReceived.addListener(services.onHeadersReceived, { urls: WEB_URLS, types: ['main_frame', 'sub_frame'] }, ['responseHeaders'])
