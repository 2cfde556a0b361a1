// Every extension page usable by everyone, in the built extension in a real Chromium, with real
// content (a page being paid, a site rule, a pointer test run): axe-core finds no violation of WCAG
// 2.1 A/AA or of its best practices in the light and in the dark scheme; the keyboard alone reaches
// every control in document order with a visible focus indicator; at 200 % zoom (a 640 px window
// is 320 CSS px) nothing is wider than the viewport; with reduced motion nothing animates.
// The list of pages is read from the build (dist/src/*/index.html), so a new page is checked too.
import axe from 'axe-core'
import type { AxeResults, RunOptions } from 'axe-core'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXTENSION_DIR } from '../sandbox/browser.ts'
import { startStack, waitFor, type Stack } from './stack.ts'

const PAGES = readdirSync(join(EXTENSION_DIR, 'src'))
  .filter((d) => existsSync(join(EXTENSION_DIR, 'src', d, 'index.html')))
  .sort()

const AXE_OPTIONS: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
}
/**
 * Rules whose "needs review" results were reviewed and are failures here: an aria-label on an element
 * with no role (a <p>, a <pre>) names nothing for a screen reader; give the element a role that can
 * be named (role="status" for a line that changes, role="region" for a block) or drop the label.
 */
const REVIEWED_AS_FAILING = new Set(['aria-prohibited-attr'])

let stack: Stack
/** A page being paid, in a window of its own: what the popup and the event view describe. */
let paying: Page
const PAYING_NAME = 'a11y-paying'

beforeAll(async () => {
  stack = await startStack()
  paying = await stack.openWindow(stack.net.site.pageFor('link', PAYING_NAME))
  await waitFor('the first payment', () => (stack.net.receiver.account(PAYING_NAME).packets.length > 0 ? true : undefined))
  // A site rule, so the options page shows its table of sites.
  await stack.ask('set-site', { site: new URL(paying.url()).origin, rules: { ratePerHour: '0.72', cap: '1', paused: false, never: false, simulate: false } })
}, 90_000)
afterAll(async () => { await stack?.stop() })

interface Setup { query?: () => Promise<string>; ready: (page: Page) => Promise<void> }
const forTab = async (): Promise<string> => `?tab=${await stack.tabId(paying)}`
/** What each page needs to show its real content; a page not listed (a new one) is checked once its main has content. */
const SETUP: Record<string, Setup> = {
  popup: { query: forTab, ready: async (p) => { await p.locator('[data-phase]').waitFor({ timeout: 10_000 }) } },
  events: { query: forTab, ready: async (p) => { await p.locator('table tr[data-type]').first().waitFor({ timeout: 10_000 }) } },
  options: {
    ready: async (p) => {
      await p.locator('p[aria-label="Uplink status"]').waitFor({ timeout: 10_000 })
      await p.locator('table td').first().waitFor({ timeout: 10_000 })
    },
  },
  tester: {
    query: async () => `?pointer=${encodeURIComponent(`${stack.net.receiver.spspBase}/a11y-tester`)}`,
    ready: async (p) => {
      await p.locator('form button[type="submit"]').click()
      await p.locator('pre.report').waitFor({ timeout: 20_000 })
    },
  },
}
const DEFAULT_SETUP: Setup = { ready: async (p) => { await p.locator('main > *').first().waitFor({ timeout: 10_000 }) } }

async function openPage(name: string): Promise<Page> {
  const setup = SETUP[name] ?? DEFAULT_SETUP
  const query = setup.query === undefined ? '' : await setup.query()
  const page = await stack.browser.openExtensionPage(`src/${name}/index.html${query}`)
  await setup.ready(page)
  return page
}

/** Axe's violations, and its "needs review" results of the rules reviewed as failing. */
const failures = (results: AxeResults): AxeResults['violations'] =>
  [...results.violations, ...results.incomplete.filter((r) => REVIEWED_AS_FAILING.has(r.id))]

/** One line per violation: its rule, impact and what it is, then each element by its selectors. */
function describeViolations(results: AxeResults): string {
  return failures(results).map((v) => [
    `${v.id} (${v.impact ?? 'no impact'}): ${v.help}`,
    ...v.nodes.map((n) => {
      const why = n.failureSummary ?? [...n.any, ...n.all, ...n.none].map((c) => c.message).join('; ')
      return `    ${n.target.map(String).join(' ')}: ${why.replace(/\s+/g, ' ')}`
    }),
  ].join('\n')).join('\n')
}

/** Emulates a media feature and waits for the transitions it starts (axe must see the final colours). */
async function emulate(page: Page, media: Parameters<Page['emulateMedia']>[0]): Promise<void> {
  await page.emulateMedia(media)
  await page.evaluate(async () => { await Promise.all(document.getAnimations().map(async (a) => a.finished)) })
}

async function runAxe(page: Page): Promise<AxeResults> {
  // The pages' CSP (script-src 'self') refuses a script tag; evaluated over DevTools, it runs.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source)
  return page.evaluate(async (options) => (window as unknown as { axe: typeof axe }).axe.run(document, options), AXE_OPTIONS)
}

/** A control as the test names it: tag, id or label, text. */
interface Control { key: string; describe: string }

/**
 * The controls a keyboard user must reach, in document order: visible, enabled, not taken out of the
 * tab order. A control that is not rendered while its label is (a "button" that is a label for a
 * hidden input) is returned apart: the keyboard cannot reach it.
 */
function controlsInPage(): { reachable: Control[]; unreachable: string[] } {
  const SELECTOR = 'a[href], button, input, select, textarea, summary, [tabindex]'
  const describe = (el: Element): string => {
    const label = el.getAttribute('aria-label') ?? (el.id === '' ? '' : `#${el.id}`)
    const text = (el.textContent ?? '').trim().slice(0, 40)
    return `<${el.tagName.toLowerCase()}${el instanceof HTMLInputElement ? ` type=${el.type}` : ''}> ${label} ${text}`.trim()
  }
  const keyOf = (el: Element): string => {
    const all = [...document.querySelectorAll(SELECTOR)]
    return `${el.tagName}#${all.indexOf(el)}`
  }
  const rendered = (el: Element): boolean => {
    const s = getComputedStyle(el)
    return el.getClientRects().length > 0 && s.visibility !== 'hidden'
  }
  const reachable: Control[] = []
  const unreachable: string[] = []
  for (const el of document.querySelectorAll(SELECTOR)) {
    if (el instanceof HTMLInputElement && el.type === 'hidden') continue
    if (el.matches(':disabled')) continue
    if (el.closest('details:not([open])') !== null && el.tagName !== 'SUMMARY') continue
    if (el.getAttribute('tabindex') === '-1') continue
    if (rendered(el)) reachable.push({ key: keyOf(el), describe: describe(el) })
    else {
      const labels = (el as HTMLInputElement).labels ?? null
      if (labels !== null && [...labels].some(rendered)) unreachable.push(describe(el))
    }
  }
  return { reachable, unreachable }
}

/** What has focus now, and whether it (or, for a visually hidden input, its label) shows an indicator. */
function focusedNow(): { key: string; describe: string; indicator: string | null } | null {
  const SELECTOR = 'a[href], button, input, select, textarea, summary, [tabindex]'
  const el = document.activeElement
  if (el === null || el === document.body || el === document.documentElement) return null
  const all = [...document.querySelectorAll(SELECTOR)]
  const r = el.getBoundingClientRect()
  const hidden = r.width <= 1 || r.height <= 1 || getComputedStyle(el).opacity === '0'
  const shown = hidden ? el.closest('label') : el
  let indicator: string | null = null
  if (shown !== null) {
    const s = getComputedStyle(shown)
    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) indicator = `outline ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`
    else if (s.boxShadow !== 'none') indicator = `box-shadow ${s.boxShadow}`
  }
  // Described as controlsInPage() describes a control (page functions cannot share code).
  const label = el.getAttribute('aria-label') ?? (el.id === '' ? '' : `#${el.id}`)
  const text = (el.textContent ?? '').trim().slice(0, 40)
  return {
    key: `${el.tagName}#${all.indexOf(el)}`,
    describe: `<${el.tagName.toLowerCase()}${el instanceof HTMLInputElement ? ` type=${el.type}` : ''}> ${label} ${text}`.trim(),
    indicator,
  }
}

describe.each(PAGES)('the %s page', (name) => {
  let page: Page
  beforeAll(async () => { page = await openPage(name) }, 60_000)
  afterAll(async () => { await page?.close() })

  it.each(['light', 'dark'] as const)('has no axe-core violation in the %s scheme', async (scheme) => {
    await emulate(page, { colorScheme: scheme })
    expect(await page.evaluate((s) => matchMedia(`(prefers-color-scheme: ${s})`).matches, scheme)).toBe(true)
    // The document's language is the browser's, as uiLocale() reads it (axe checks that it is valid).
    const langs = await page.evaluate(() => ({ page: document.documentElement.lang, ui: chrome.i18n.getUILanguage() }))
    expect(langs.page.split('-')[0]?.toLowerCase(), `${name}: <html lang>`).toBe(langs.ui.split(/[-_]/)[0]?.toLowerCase())
    const results = await runAxe(page)
    expect(failures(results).length, `${name} (${scheme}):\n${describeViolations(results)}`).toBe(0)
  })

  it('is operable with the keyboard alone: Tab reaches every control in document order, focus visible', async () => {
    await emulate(page, { colorScheme: 'light' })
    await page.bringToFront()
    const { reachable, unreachable } = await page.evaluate(controlsInPage)
    expect(unreachable.length, `${name}: controls the keyboard cannot reach:\n${unreachable.join('\n')}`).toBe(0)
    expect(reachable.length).toBeGreaterThan(0)
    // Focus navigation starts from the top of the document (not from the button clicked to set the page up).
    await page.evaluate(() => {
      const start = document.createElement('div')
      start.tabIndex = -1
      start.id = 'a11y-test-start'
      document.body.prepend(start)
      start.focus()
    })
    const visited: Control[] = []
    const noIndicator: string[] = []
    // One Tab more than there are controls: the last one must let focus go (no trap).
    for (let i = 0; i <= reachable.length; i++) {
      await page.keyboard.press('Tab')
      if (i === 0) await page.evaluate(() => document.getElementById('a11y-test-start')?.remove())
      const now = await page.evaluate(focusedNow)
      if (now === null || (visited.length > 0 && now.key === visited[0]?.key)) break
      visited.push(now)
      if (now.indicator === null) noIndicator.push(now.describe)
    }
    expect(visited.map((c) => c.describe).join('\n'), `${name}: focus order (each control once, as in the document)`).toBe(reachable.map((c) => c.describe).join('\n'))
    expect(visited.map((c) => c.key)).toEqual(reachable.map((c) => c.key))
    expect(noIndicator.length, `${name}: focused without a visible outline:\n${noIndicator.join('\n')}`).toBe(0)
    // And back: Shift+Tab from the last control visits them all in reverse.
    const last = reachable.at(-1)
    if (last !== undefined && reachable.length > 1) {
      await page.evaluate((key) => {
        const index = Number(key.split('#')[1])
        const el = document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')[index]
        if (el instanceof HTMLElement) el.focus()
      }, last.key)
      const back: string[] = [last.key]
      for (let i = 1; i < reachable.length; i++) {
        await page.keyboard.press('Shift+Tab')
        back.push((await page.evaluate(focusedNow))?.key ?? 'nothing')
      }
      expect(back.join(' '), `${name}: Shift+Tab order`).toBe(reachable.map((c) => c.key).reverse().join(' '))
    }
    // Anything dialog-like that is open closes with Escape.
    for (const dialog of await page.locator('dialog[open], [role="dialog"], [role="alertdialog"]').filter({ visible: true }).all()) {
      await dialog.focus()
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'hidden', timeout: 2000 })
    }
  })

  it('does not animate with reduced motion', async () => {
    await page.emulateMedia({ reducedMotion: 'reduce' })
    const moving = await page.evaluate(() => [...document.querySelectorAll('*')].flatMap((el) => {
      const s = getComputedStyle(el)
      const secs = (v: string): number => Math.max(...v.split(',').map((x) => parseFloat(x) * (x.trim().endsWith('ms') ? 0.001 : 1)))
      const animated = s.animationName !== 'none' && secs(s.animationDuration) > 0.001
      const transitioned = secs(s.transitionDuration) > 0.001
      return animated || transitioned ? [`<${el.tagName.toLowerCase()}> ${s.animationName} ${s.animationDuration} ${s.transitionDuration}`] : []
    }))
    await page.emulateMedia({ reducedMotion: 'no-preference' })
    expect(moving.length, `${name}: animated with reduced motion:\n${moving.join('\n')}`).toBe(0)
  })

  it('reflows at 200 % zoom: nothing wider than a 320 CSS px viewport, no text over other text', async () => {
    const cdp = await page.context().newCDPSession(page)
    try {
      // A 640 px wide window at 200 %: 320 CSS px, two device pixels each.
      await page.bringToFront()
      await cdp.send('Emulation.setDeviceMetricsOverride', { width: 320, height: 640, deviceScaleFactor: 2, mobile: false })
      // The page has had its resize event (a chart redraws on it) and rendered a frame after it.
      await page.waitForFunction(() => window.innerWidth === 320)
      await page.evaluate(async () => {
        await new Promise((resolve) => { requestAnimationFrame(() => { requestAnimationFrame(resolve) }) })
      })
      const layout = await page.evaluate(() => {
        // The layout viewport less any vertical scrollbar: what is wider is cut off or scrolls.
        const width = document.documentElement.clientWidth
        const over = [...document.body.querySelectorAll('*')].flatMap((el) => {
          const r = el.getBoundingClientRect()
          if (r.width === 0 && r.height === 0) return []
          return r.right > width + 0.5 || r.left < -0.5
            ? [`<${el.tagName.toLowerCase()}${el.hasAttribute('class') ? ` class=${el.getAttribute('class') ?? ''}` : ''}> ${Math.round(r.left)}–${Math.round(r.right)}: ${(el.textContent ?? '').trim().slice(0, 30)}`]
            : []
        })
        // Text drawn over other text: every line box of every text node (SVG text as a whole), compared.
        const boxes: { text: string; r: DOMRect }[] = []
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
        for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
          const text = (node.textContent ?? '').trim()
          const parent = node.parentElement
          if (text === '' || parent === null || parent.closest('select, option, script, style') !== null) continue
          // A closed <details> still lays its content out for this API; only its summary is drawn.
          const closed = parent.closest('details:not([open])')
          if (closed !== null && parent.closest('summary')?.parentElement !== closed) continue
          const inSvg = parent.closest('svg') !== null
          const range = document.createRange()
          range.selectNodeContents(node)
          const rects = inSvg ? [parent.getBoundingClientRect()] : [...range.getClientRects()]
          // What of each box is drawn: cut by every ancestor that clips (visually hidden text is not drawn).
          const clip = (r: DOMRect): DOMRect => {
            let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom]
            for (let el: Element | null = parent; el !== null && el !== document.body; el = el.parentElement) {
              const st = getComputedStyle(el)
              if (st.overflowX === 'visible' && st.overflowY === 'visible' && st.clipPath === 'none' && st.getPropertyValue('clip') === 'auto') continue
              const c = el.getBoundingClientRect()
              left = Math.max(left, c.left); top = Math.max(top, c.top); right = Math.min(right, c.right); bottom = Math.min(bottom, c.bottom)
            }
            return new DOMRect(left, top, right - left, bottom - top)
          }
          for (const r of rects.map(clip)) if (r.width > 1 && r.height > 1) boxes.push({ text: text.slice(0, 20), r })
        }
        const overlaps: string[] = []
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i]
            const b = boxes[j]
            if (a === undefined || b === undefined) continue
            const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left)
            const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top)
            if (x > 2 && y > 2) overlaps.push(`"${a.text}" and "${b.text}"`)
          }
        }
        return { width, innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, over, overlaps }
      })
      expect(layout.width).toBeLessThanOrEqual(320)
      expect(layout.width).toBeGreaterThan(280)
      expect(layout.over.length, `${name}: wider than the viewport:\n${layout.over.join('\n')}`).toBe(0)
      expect(layout.overlaps.length, `${name}: text over other text:\n${layout.overlaps.join('\n')}`).toBe(0)
      expect(layout.innerWidth).toBe(320)
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.width)
    } finally {
      await cdp.send('Emulation.clearDeviceMetricsOverride').catch(() => undefined)
      await cdp.detach().catch(() => undefined)
    }
  })
})
