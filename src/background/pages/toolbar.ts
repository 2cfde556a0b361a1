/**
 * The toolbar button of each tab says where the tab's payment stands: a badge (a word or symbol on a
 * colour, so that it reads without the colour), a tooltip that says it in words, and the icon in
 * colour or grey. `toolbarState` is pure: a tab's status (the one the popup is shown) and a few facts
 * the worker already holds → what the button shows. `Toolbar` applies it through the browser's action
 * API, only when a tab's state actually changed: nothing here sends a packet or writes to storage.
 *
 * It is told of changes where the open pages are (ui-changes.ts): payments, page reports, attention,
 * the uplink, the settings. Changes are coalesced (at most one pass per interval over the tabs it
 * knows, the last change always followed by one). A tab is known from its first page port; closed, it
 * is forgotten. Both browsers reset a tab's values when it loads a new document, whose content script
 * then connects again: `track` forgets what was shown, so the next pass sets it again.
 */
import { t } from '../../shared/i18n.ts'
import type { Log } from '../../shared/log.ts'
import type { TabStatus, UplinkState } from '../../shared/status.ts'
import type { Limit } from '../ledger/budget.ts'
import { drawIcon } from '../../shared/icon-pixels.ts'

export const TOOLBAR_INTERVAL_MS = 200

export type ToolbarKind =
  | 'inactive'         // Trickle's content script does not run in this tab
  | 'not-monetized'
  | 'never'            // the user chose never to pay this site
  | 'unpayable'        // the page's tag cannot be paid (the site's problem)
  | 'starting'         // looking up the receiver, connecting, or waiting to try again
  | 'paying'
  | 'paused-hidden'    // nobody looks: the tab or window is not in front
  | 'paused-idle'      // the user is away (idle or screen locked)
  | 'paused-all'       // the user paused Trickle
  | 'paused-site'      // the user paused this site
  | 'limit-budget'
  | 'limit-cap'
  | 'attention-setup'  // no uplink configured
  | 'attention-uplink' // the uplink cannot be reached
  | 'attention-receiver' // the receiver refused or kept failing: Trickle gave up
  | 'simulated'

export type ToolbarIcon = 'active' | 'muted'

export interface ToolbarState {
  kind: ToolbarKind
  /** Badge text ('' for none). */
  text: string
  /** Badge background, #rrggbb (white text reads on each); '' with no badge. */
  color: string
  title: string
  icon: ToolbarIcon
}

/** What the worker knows beside the tab's status. */
export interface ToolbarFacts {
  uplink: UplinkState['state']
  /** "Pause all" is on. */
  paused: boolean
  /** The tab's site is paused. */
  sitePaused: boolean
  /** The user is idle or the screen is locked. */
  idle: boolean
  /** Which limit binds for the tab's site (asked only when its phase is `limit`). */
  limit(): Limit
}

const COLORS = {
  paying: '#1a7f37',
  starting: '#0969da',
  paused: '#57606a',
  limit: '#9a6700',
  attention: '#cf222e',
  simulated: '#8250df',
} as const

const quiet = (kind: ToolbarKind, title: string): ToolbarState => ({ kind, text: '', color: '', title, icon: 'muted' })
const badge = (kind: ToolbarKind, text: string, color: string, title: string): ToolbarState => ({ kind, text, color, title, icon: 'active' })

/** What the toolbar button of a tab with `status` shows. */
export function toolbarState(status: TabStatus, facts: ToolbarFacts): ToolbarState {
  switch (status.kind) {
    case 'unavailable': return quiet('inactive', t('toolbar_inactive'))
    case 'not-monetized': return quiet('not-monetized', t('toolbar_notMonetized'))
    case 'never': return quiet('never', t('toolbar_never'))
    case 'invalid': return quiet('unpayable', t('toolbar_unpayable'))
    case 'monetized': break
  }
  const host = status.receiverHost
  if (status.simulated === true) return badge('simulated', t('toolbar_badgeSimulated'), COLORS.simulated, t('toolbar_simulated', host))
  switch (status.phase) {
    case 'paying': return badge('paying', t('toolbar_badgePaying'), COLORS.paying, t('toolbar_paying', host))
    case 'limit':
      return facts.limit() === 'cap'
        ? badge('limit-cap', t('toolbar_badgeLimit'), COLORS.limit, t('toolbar_limitCap'))
        : badge('limit-budget', t('toolbar_badgeLimit'), COLORS.limit, t('toolbar_limitBudget'))
    case 'failed': return badge('attention-receiver', t('toolbar_badgeAttention'), COLORS.attention, t('toolbar_receiverFailed', host))
    case 'no-uplink': return badge('attention-setup', t('toolbar_badgeAttention'), COLORS.attention, t('toolbar_noUplink'))
    case 'paused':
      // The user's own choices first (they last until undone), then away, then out of view.
      if (facts.paused) return badge('paused-all', t('toolbar_badgePaused'), COLORS.paused, t('toolbar_pausedAll'))
      if (facts.sitePaused) return badge('paused-site', t('toolbar_badgePaused'), COLORS.paused, t('toolbar_pausedSite'))
      if (facts.idle) return badge('paused-idle', t('toolbar_badgePaused'), COLORS.paused, t('toolbar_pausedIdle'))
      return badge('paused-hidden', t('toolbar_badgePaused'), COLORS.paused, t('toolbar_pausedHidden'))
    case 'resolving':
    case 'connecting':
    case 'retrying':
      // Trying while the user's own uplink is down: that is what needs fixing, not the receiver.
      if (facts.uplink === 'failed') return badge('attention-uplink', t('toolbar_badgeAttention'), COLORS.attention, t('toolbar_uplinkFailed'))
      return badge('starting', t('toolbar_badgeStarting'), COLORS.starting, t('toolbar_starting', host))
  }
}

/** The part of `chrome.action` / `browser.action` used here (no permission needed: the manifest's `action` key). */
export interface ActionApi {
  setBadgeText(details: { tabId: number; text: string }): Promise<void>
  setBadgeBackgroundColor(details: { tabId: number; color: string }): Promise<void>
  setTitle(details: { tabId: number; title: string }): Promise<void>
  setIcon(details: { tabId: number } & IconSource): Promise<void>
}

/** An icon as the action API takes it: pixels per size, or the files' paths. */
export type IconSource = { imageData: Record<string, Pixels> } | { path: Record<string, string> }
/** ImageData as the extension API's types name it (with an index signature ImageData itself lacks). */
type Pixels = ImageData & Record<string, unknown>

/** The icon files (public/icons/, drawn by build/icons.ts) for each look, at the toolbar's sizes. */
export const ICON_PATHS: Record<ToolbarIcon, Record<string, string>> = {
  active: { 16: '/icons/trickle-16.png', 32: '/icons/trickle-32.png' },
  muted: { 16: '/icons/trickle-muted-16.png', 32: '/icons/trickle-muted-32.png' },
}

const TOOLBAR_SIZES = [16, 32] as const

/**
 * The icon for `icon`, as pixels: given a path, the browser fetches and decodes the PNG and draws it
 * on a canvas at every call, in the worker (36 ms of its main thread measured for one page's first
 * payment, as much as everything else of that payment together). The same pixels, drawn once per
 * worker from the drawing the PNGs were made of (icon-pixels.ts), cost a copy. Without ImageData (a
 * test's Node) the paths are given.
 */
export function iconSource(icon: ToolbarIcon): IconSource {
  const cached = drawn.get(icon)
  if (cached !== undefined) return cached
  if (typeof ImageData !== 'function') return { path: ICON_PATHS[icon] }
  const imageData: Record<string, Pixels> = {}
  for (const size of TOOLBAR_SIZES) imageData[size] = new ImageData(new Uint8ClampedArray(drawIcon(size, icon)), size, size) as Pixels
  const source = { imageData }
  drawn.set(icon, source)
  return source
}
const drawn = new Map<ToolbarIcon, IconSource>()

export interface ToolbarDeps {
  action: ActionApi
  /** The state of a tab now (status and facts read from the worker's services). */
  stateOf(tabId: number): ToolbarState
  log: Log
  now?: () => number
}

export class Toolbar {
  /** Known tabs, and what each one's button was last set to (null: not set since its page loaded). */
  private readonly shown = new Map<number, ToolbarState | null>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private lastAt = Number.NEGATIVE_INFINITY
  private readonly now: () => number

  constructor(private readonly deps: ToolbarDeps) {
    this.now = deps.now ?? Date.now
  }

  /**
   * A page of tab `tabId` connected: its button follows it from now on. A new top document had its
   * button reset by the browser: it is set afresh (a frame's page changes nothing of the button's).
   */
  track(tabId: number | undefined, top: boolean): void {
    if (tabId === undefined || tabId < 0) return
    if (top || !this.shown.has(tabId)) this.shown.set(tabId, null)
    this.changed()
  }

  tabRemoved(tabId: number): void { this.shown.delete(tabId) }

  /** Something a tab's button may show changed: look again, coalesced. */
  changed(): void {
    if (this.timer !== undefined || this.shown.size === 0) return
    const wait = Math.max(0, this.lastAt + TOOLBAR_INTERVAL_MS - this.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.lastAt = this.now()
      this.refresh()
    }, wait)
  }

  /** Sets the button of every known tab whose state changed (tests call this directly). */
  refresh(): void {
    for (const tabId of [...this.shown.keys()]) {
      let next: ToolbarState
      try {
        next = this.deps.stateOf(tabId)
      } catch (e) {
        this.deps.log.warn(`tab ${tabId}: no toolbar state: ${String(e)}`)
        continue
      }
      const last = this.shown.get(tabId) ?? null
      if (last !== null && same(last, next)) continue
      this.shown.set(tabId, next)
      void this.apply(tabId, next, last).catch((e: unknown) => {
        // The tab closed meanwhile, or the browser refused: try again at the next change (if still known).
        if (this.shown.get(tabId) === next) this.shown.set(tabId, null)
        this.deps.log.info(`tab ${tabId}: could not set the toolbar button: ${String(e)}`)
      })
    }
  }

  private async apply(tabId: number, next: ToolbarState, last: ToolbarState | null): Promise<void> {
    const { action } = this.deps
    const calls: Promise<void>[] = []
    if (last === null || last.text !== next.text) calls.push(action.setBadgeText({ tabId, text: next.text }))
    if (next.text !== '' && (last === null || last.color !== next.color)) calls.push(action.setBadgeBackgroundColor({ tabId, color: next.color }))
    if (last === null || last.title !== next.title) calls.push(action.setTitle({ tabId, title: next.title }))
    if (last === null || last.icon !== next.icon) calls.push(action.setIcon({ tabId, ...iconSource(next.icon) }))
    await Promise.all(calls)
  }
}

function same(a: ToolbarState, b: ToolbarState): boolean {
  return a.kind === b.kind && a.text === b.text && a.color === b.color && a.title === b.title && a.icon === b.icon
}
