/**
 * The demo site: pages carrying each kind of monetization tag, pointing at the sandbox receiver.
 * Humans browse `/`; tests use `/t/<kind>/<receiver>` to get a page paying a receiver of their own.
 */
import { createServer, type Server } from 'node:http'

export interface Site {
  base: string
  /** A page whose tag (of `kind`) pays the sandbox receiver `name`. */
  pageFor(kind: 'meta' | 'link', name: string): string
  /** A page whose `<meta name="monetization">` carries `content` verbatim. */
  pageWithMetaContent(content: string): string
  /** A page that logs every WM event into window.__wmEvents; `href` overrides the tag's value. */
  loggerPage(kind: 'meta' | 'link', name: string, href?: string): string
  /** A monetized page under `default-src 'none'; script-src 'none'` (and `monetization-src` its receiver). */
  strictCspPage(name: string): string
  /** A page whose head is `html` ({spsp} is replaced by the receiver's base URL). */
  pageWithHead(html: string): string
  /** A page embedding, from another origin, a child paying `<name>-child` (and a grandchild `<name>-grandchild`). */
  framesPage(name: string, allow: string | null, nested?: boolean): string
  /** A page with `count` links, to receivers `<prefix>-0` … `<prefix>-<count-1>`. */
  manyLinksPage(prefix: string, count: number): string
  /** A <link> page whose <meta> CSP says `monetization-src <allow>`. */
  metaCspPage(name: string, allow: string): string
  /**
   * A <link> page that replaces many built-ins and records, into window.__traces, every stack it can
   * see (Error().stack, and CallSites' file names through Error.prepareStackTrace), in each replacement
   * and in its WM listeners; window.__wmCounts counts the events that arrived.
   */
  privacyPage(name: string): string
  /** A cacheable <link> page (back/forward cache) that records its pageshow events. */
  cacheablePage(name: string): string
  /** A logger <link> page paying `name`, sent with these Content-Security-Policy / Permissions-Policy headers. */
  headerPolicyPage(name: string, headers: { csp?: string; pp?: string }): string
  /**
   * A page sent with Permissions-Policy `pp` embedding, from another origin with `allow`, a child paying
   * `<name>-child` that is sent with Permissions-Policy `childPp`.
   */
  headerPolicyFrames(name: string, opts: { pp?: string; allow?: string; childPp?: string }): string
  /** A page whose iframe (allow="monetization") starts at a data: URL and navigates itself to a page paying `<name>-child`. */
  dataFramePage(name: string): string
  stop(): Promise<void>
}

export const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function page(title: string, head: string, body: string, totalsUrl?: string): string {
  const counter = totalsUrl === undefined ? '' : `
<p>The receiver has got <output id="total">nothing yet</output>.</p>
<script>
  setInterval(async () => {
    const t = await (await fetch(${JSON.stringify(totalsUrl)})).json()
    document.getElementById('total').textContent =
      (Number(t.total) / 10 ** t.assetScale).toFixed(t.assetScale) + ' ' + t.assetCode + ' in ' + t.packets + ' packets'
  }, 1000)
</script>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>${head}</head>
<body><h1>${escape(title)}</h1>${body}${counter}<p><a href="/">All demo pages</a></p></body></html>`
}

/**
 * Records, in order, every Web Monetization event the page can observe, with the fields a site reads,
 * into `window.__wmEvents`. It runs before the tag is parsed, as a site's own script would.
 */
export const LOGGER_SCRIPT = `<script>
  window.__wmEvents = []
  const log = (entry) => window.__wmEvents.push({ at: Date.now(), state: document.monetization && document.monetization.state, ...entry })
  window.__supports = document.createElement('link').relList.supports('monetization')
  for (const type of ['monetizationpending', 'monetizationstart', 'monetizationprogress', 'monetizationstop']) {
    document.monetization.addEventListener(type, (e) => log({ type, detail: { ...e.detail } }))
  }
  window.addEventListener('monetization', (e) => log({
    type: 'monetization', isMonetizationEvent: e instanceof MonetizationEvent, bubbles: e.bubbles, targetIsLink: e.target instanceof HTMLLinkElement,
    amountSent: { ...e.amountSent }, paymentPointer: e.paymentPointer, incomingPayment: e.incomingPayment,
    amount: e.amount, assetCode: e.assetCode, assetScale: e.assetScale,
  }))
  window.__onmonetizationCalls = 0
  window.onmonetization = () => { window.__onmonetizationCalls++ }
  document.addEventListener('load', (e) => { if (e.target instanceof HTMLLinkElement) log({ type: 'link-load' }) }, true)
  document.addEventListener('error', (e) => { if (e.target instanceof HTMLLinkElement) log({ type: 'link-error' }) }, true)
</script>`

/** The hostile page of `privacyPage`: everything it sees of a stack goes into window.__traces. */
const PRIVACY_SCRIPT = `<script>
  window.__traces = []
  window.__wmCounts = { monetization: 0, onmonetization: 0, attribute: 0, progress: 0, start: 0, load: 0 }
  const traces = window.__traces
  let busy = false
  const trace = (where) => {
    if (busy) return
    busy = true
    try {
      window.__traced = (window.__traced || 0) + 1
      // Kept short: a replaced built-in runs often, and the tab has memory for so many stacks only.
      if (traces.length < 3000) traces.push(where + ': ' + new Error(where).stack)
    } finally { busy = false }
  }
  window.__trace = trace
  Error.stackTraceLimit = 30
  Error.prepareStackTrace = (err, sites) => sites.map((c) => {
    let fn = ''
    try { fn = String(c.getFunction()).slice(0, 80) } catch {}
    return [c.getFileName(), c.getScriptNameOrSourceURL(), c.getEvalOrigin(), c.getFunctionName(), c.getTypeName(), fn, String(c)].join(' ; ')
  }).join('\\n')
  addEventListener('error', (e) => traces.push('error event: ' + [e.filename, e.message, e.error && e.error.stack].join(' ; ')))
  addEventListener('securitypolicyviolation', (e) => traces.push('csp violation: ' + e.sourceFile))
  const replaceMethod = (obj, key, name) => {
    const f = obj[key]
    obj[key] = function (...args) { trace(name); return Reflect.apply(f, this, args) }
  }
  const replaceGetter = (proto, key, name) => {
    const d = Object.getOwnPropertyDescriptor(proto, key)
    Object.defineProperty(proto, key, { ...d, get() { trace(name); return Reflect.apply(d.get, this, []) } })
  }
  const replaceAll = (round) => {
    for (const [obj, key, name] of [
      [EventTarget.prototype, 'dispatchEvent', 'dispatchEvent'], [EventTarget.prototype, 'addEventListener', 'addEventListener'],
      [EventTarget.prototype, 'removeEventListener', 'removeEventListener'], [Event.prototype, 'stopImmediatePropagation', 'stopImmediatePropagation'],
      [Object, 'freeze', 'Object.freeze'], [Object, 'defineProperty', 'Object.defineProperty'], [Object, 'getPrototypeOf', 'Object.getPrototypeOf'],
      [Object, 'setPrototypeOf', 'Object.setPrototypeOf'], [JSON, 'parse', 'JSON.parse'], [Array, 'isArray', 'Array.isArray'],
      [Array.prototype, 'push', 'Array push'], [Array.prototype, Symbol.iterator, 'Array iterator'], [WeakMap.prototype, 'get', 'WeakMap get'],
      [WeakMap.prototype, 'set', 'WeakMap set'], [WeakSet.prototype, 'has', 'WeakSet has'], [WeakSet.prototype, 'add', 'WeakSet add'],
      [String.prototype, 'toLowerCase', 'toLowerCase'], [Element.prototype, 'getAttribute', 'getAttribute'], [Element.prototype, 'setAttribute', 'setAttribute'],
      [Element.prototype, 'hasAttribute', 'hasAttribute'], [Element.prototype, 'querySelectorAll', 'querySelectorAll'], [window, 'queueMicrotask', 'queueMicrotask'],
      [Function.prototype, 'call', 'Function call'], [Function.prototype, 'apply', 'Function apply'], [Function.prototype, 'bind', 'Function bind'],
    ]) replaceMethod(obj, key, round + ' ' + name)
    for (const [proto, key, name] of [
      [CustomEvent.prototype, 'detail', 'CustomEvent detail'], [Event.prototype, 'target', 'Event target'], [Node.prototype, 'isConnected', 'isConnected'],
      [Node.prototype, 'nodeType', 'nodeType'], [MutationRecord.prototype, 'type', 'MutationRecord type'], [MutationRecord.prototype, 'target', 'MutationRecord target'],
      [MutationRecord.prototype, 'addedNodes', 'MutationRecord addedNodes'], [NodeList.prototype, 'length', 'NodeList length'],
    ]) replaceGetter(proto, key, round + ' ' + name)
    for (const C of [HTMLLinkElement, Element, CustomEvent, Event, MonetizationEvent]) {
      Object.defineProperty(C, Symbol.hasInstance, { configurable: true, value: function (v) { trace(round + ' hasInstance'); return Function.prototype[Symbol.hasInstance].call(this, v) } })
    }
    for (const key of ['composed', 'bubbles', 'cancelable', 'detail', 'incomingPayment', 'receipt', 'amount', 'handleEvent']) {
      Object.defineProperty(Object.prototype, key, { configurable: true, get() { trace(round + ' Object.prototype.' + key) } })
    }
  }
  replaceAll('first')
  const counts = window.__wmCounts
  document.monetization.addEventListener('monetizationprogress', (e) => { counts.progress++; trace('progress listener') })
  document.monetization.addEventListener('monetizationstart', (e) => { counts.start++; trace('start listener'); throw new Error('a listener of the page throws') })
  document.addEventListener('load', (e) => { if (e.target.rel === 'monetization') { counts.load++; trace('load listener') } }, true)
  window.addEventListener('monetization', (e) => {
    counts.monetization++
    trace('monetization listener')
    // Again, once events flow: whatever was captured must have been captured at install.
    if (counts.monetization === 1) replaceAll('second')
  })
  window.onmonetization = () => { counts.onmonetization++; trace('onmonetization') }
  // A page's own uses of what Trickle replaced, including ones that throw.
  setTimeout(() => {
    try { document.body.classList.supports('x') } catch (e) { traces.push('supports threw: ' + e.stack) }
    try { Object.getOwnPropertyDescriptor(HTMLLinkElement.prototype, 'relList').get.call({}) } catch (e) { traces.push('relList threw: ' + e.stack) }
    try { new MonetizationEvent('monetization') } catch (e) { traces.push('constructor threw: ' + e.stack) }
    document.createElement('link').relList.supports('monetization')
    // A link whose prototype is a Proxy, and a channel message at it: checking the target must run no trap.
    try {
      const odd = document.createElement('link')
      document.head.append(odd)
      Object.setPrototypeOf(odd, new Proxy(HTMLLinkElement.prototype, { getPrototypeOf(t) { trace('proxy getPrototypeOf'); return Reflect.getPrototypeOf(t) } }))
      EventTarget.prototype.dispatchEvent.call(odd, new CustomEvent('trickle:wm', { bubbles: true, detail: JSON.stringify({ api: 'link', type: 'load' }) }))
    } catch (e) { traces.push('proxy link threw: ' + e.stack) }
    document.body.onmonetization = 'not a function'
    document.body.classList.supports('uncaught')
  }, 0)
</script>`

export async function startSite(opts: { port: number; spspBase: string }): Promise<Site> {
  const spsp = (name: string): string => `${opts.spspBase}/${name}`
  const totals = (name: string): string => `${opts.spspBase}/_totals/${name}`
  const routes: Record<string, () => string> = {
    '/': () => page('Trickle sandbox', '', `
<ul>
  <li><a href="/meta">A page with &lt;meta name="monetization"&gt;</a> (pays "alice")</li>
  <li><a href="/link">A page with &lt;link rel="monetization"&gt;</a> (pays "bob")</li>
  <li><a href="/plain">A page with no monetization tag</a></li>
  <li><a href="/malformed">A page with a malformed payment pointer</a></li>
</ul>`),
    '/meta': () => page('Monetized with a meta tag', `<meta name="monetization" content="${escape(spsp('alice'))}">`,
      '<p>Keep this tab visible and watch the total grow.</p>', totals('alice')),
    '/link': () => page('Monetized with a link tag', `<link rel="monetization" href="${escape(spsp('bob'))}">`,
      '<p>Keep this tab visible and watch the total grow.</p>', totals('bob')),
    '/plain': () => page('Not monetized', '', '<p>This page has no monetization tag; Trickle pays nothing here.</p>'),
    '/malformed': () => page('Malformed payment pointer', '<meta name="monetization" content="$not a pointer">',
      '<p>The tag is present but its pointer is invalid; Trickle must refuse it and say why.</p>'),
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    let html: string | undefined = routes[url.pathname]?.()
    const test = /^\/t\/(meta|link)\/([a-z0-9-]{1,64})$/.exec(url.pathname)
    if (test !== null) {
      const kind = test[1] ?? 'meta'
      const name = test[2] ?? ''
      const tag = kind === 'meta'
        ? `<meta name="monetization" content="${escape(spsp(name))}">`
        : `<link rel="monetization" href="${escape(spsp(name))}">`
      html = page(`Test page (${kind} → ${name})`, tag, '')
    }
    const logger = /^\/t\/logger\/(meta|link)\/([a-z0-9-]{1,64})$/.exec(url.pathname)
    if (logger !== null) {
      const kind = logger[1] ?? 'link'
      const name = logger[2] ?? ''
      const href = url.searchParams.get('href') ?? spsp(name)
      const tag = kind === 'meta'
        ? `<meta name="monetization" content="${escape(href)}">`
        : `<link rel="monetization" href="${escape(href)}" onmonetization="window.__attributeCalls = (window.__attributeCalls || 0) + 1">`
      html = page(`Event logger (${kind} → ${name})`, LOGGER_SCRIPT + tag, '')
    }
    const privacy = /^\/t\/privacy\/([a-z0-9-]{1,64})$/.exec(url.pathname)
    if (privacy !== null) {
      const attribute = 'window.__wmCounts.attribute++; window.__trace(&quot;attribute handler&quot;)'
      html = page('Privacy probe', `${PRIVACY_SCRIPT}<link rel="monetization" href="${escape(spsp(privacy[1] ?? ''))}" onmonetization="${attribute}">`, '')
    }
    // Cacheable (no `no-store`), so that Chromium may keep it in the back/forward cache. It records
    // how it was shown, for the tests to read.
    const cacheable = /^\/t\/cacheable\/([a-z0-9-]{1,64})$/.exec(url.pathname)
    if (cacheable !== null) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'private, max-age=0' }).end(page('Cacheable page',
        `<link rel="monetization" href="${escape(spsp(cacheable[1] ?? ''))}"><script>
          window.__shows = []
          addEventListener('pageshow', (e) => window.__shows.push(e.persisted ? 'restored' : 'loaded'))
        </script>`, '<p><a id="away" href="/plain">Leave</a></p>'))
      return
    }
    // Frames: /t/frames/<name>?allow=<allow attribute>&host=<host of the child> embeds /t/link/<name>-child
    // from another origin (localhost rather than 127.0.0.1); with nested=1 that child embeds a
    // grandchild (back on 127.0.0.1) with the same allow attribute.
    const frames = /^\/t\/(frames|frame-child)\/([a-z0-9-]{1,40})$/.exec(url.pathname)
    if (frames !== null) {
      const [, which = '', name = ''] = frames
      const allowParam = url.searchParams.get('allow')
      const allowAttr = allowParam === null ? '' : ` allow="${escape(allowParam)}"`
      const nested = url.searchParams.get('nested') === '1'
      if (which === 'frames') {
        const childUrl = `http://localhost:${opts.port}/t/frame-child/${name}?${url.searchParams.toString()}`
        html = page('A page with an iframe', '', `<iframe src="${escape(childUrl)}"${allowAttr} width="400" height="200"></iframe>`)
      } else {
        const grandchild = nested ? `<iframe src="${escape(`http://127.0.0.1:${opts.port}/t/link/${name}-grandchild`)}"${allowAttr}></iframe>` : ''
        html = page('A framed child', `<link rel="monetization" href="${escape(spsp(`${name}-child`))}">`, grandchild)
      }
    }
    const many = /^\/t\/links\/([a-z0-9-]{1,40})\/(\d{1,3})$/.exec(url.pathname)
    if (many !== null) {
      const count = Math.min(500, Number(many[2]))
      const links = Array.from({ length: count }, (_, i) => `<link rel="monetization" href="${escape(spsp(`${many[1] ?? ''}-${i}`))}">`).join('')
      html = page(`${count} monetization links`, links, '')
    }
    const metaCsp = /^\/t\/meta-csp\/([a-z0-9-]{1,64})$/.exec(url.pathname)
    if (metaCsp !== null) {
      const policy = `monetization-src ${url.searchParams.get('allow') ?? "'none'"}`
      html = page('Page with a monetization-src policy', `<meta http-equiv="Content-Security-Policy" content="${escape(policy)}"><link rel="monetization" href="${escape(spsp(metaCsp[1] ?? ''))}">`, '')
    }
    const strict = /^\/t\/csp\/([a-z0-9-]{1,64})$/.exec(url.pathname)
    if (strict !== null) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // Everything forbidden but monetization, which default-src 'none' would forbid too (its fallback).
        'content-security-policy': `default-src 'none'; script-src 'none'; style-src 'none'; monetization-src ${opts.spspBase}`,
      }).end(page('Strict CSP', `<link rel="monetization" href="${escape(spsp(strict[1] ?? ''))}">`, '<p>No script may run here but the browser\'s and the extension\'s.</p>'))
      return
    }
    // Header policies: the page (and its frame) sent with the CSP and Permissions-Policy the test names.
    const policy = /^\/t\/(policy|policy-frames|policy-child)\/([a-z0-9-]{1,40})$/.exec(url.pathname)
    if (policy !== null) {
      const [, which = '', name = ''] = policy
      const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }
      const csp = url.searchParams.get('csp')
      const pp = url.searchParams.get(which === 'policy-child' ? 'childpp' : 'pp')
      if (csp !== null && which === 'policy') headers['content-security-policy'] = csp
      if (pp !== null) headers['permissions-policy'] = pp
      let body: string
      if (which === 'policy') body = page('Header policy', LOGGER_SCRIPT + `<link rel="monetization" href="${escape(spsp(name))}">`, '')
      else if (which === 'policy-child') body = page('Header policy child', `<link rel="monetization" href="${escape(spsp(`${name}-child`))}">`, '')
      else {
        const allow = url.searchParams.get('allow')
        const child = `http://localhost:${opts.port}/t/policy-child/${name}?${url.searchParams.toString()}`
        body = page('Header policy frames', '', `<iframe src="${escape(child)}"${allow === null ? '' : ` allow="${escape(allow)}"`}></iframe>`)
      }
      res.writeHead(200, headers).end(body)
      return
    }
    if (url.pathname === '/t/nocontent') {
      // A response that never becomes a document (the page stays), with a policy of its own.
      res.writeHead(204, { 'content-security-policy': 'default-src *' }).end()
      return
    }
    const dataFrame = /^\/t\/data-frame\/([a-z0-9-]{1,40})$/.exec(url.pathname)
    if (dataFrame !== null) {
      const target = `http://localhost:${opts.port}/t/link/${dataFrame[1] ?? ''}-child`
      const src = `data:text/html,<script>location.href=${JSON.stringify(target)}</script>`
      html = page('A data: frame that navigates itself', '', `<iframe src="${escape(src)}" allow="monetization"></iframe>`)
    }
    if (url.pathname === '/t/head') {
      // Test fixtures only: a page whose <head> is the given markup, with {spsp} standing for the receiver base.
      html = page('Test page (custom head)', (url.searchParams.get('html') ?? '').replaceAll('{spsp}', opts.spspBase), '')
    }
    if (url.pathname === '/t/raw') {
      html = page('Test page (raw meta)', `<meta name="monetization" content="${escape(url.searchParams.get('content') ?? '')}">`, '')
    }
    if (html === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html)
  })
  await new Promise<void>((resolve) => server.listen(opts.port, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${opts.port}`
  return {
    base,
    pageFor: (kind, name) => `${base}/t/${kind}/${name}`,
    pageWithMetaContent: (content) => `${base}/t/raw?content=${encodeURIComponent(content)}`,
    loggerPage: (kind, name, href) => `${base}/t/logger/${kind}/${name}${href === undefined ? '' : `?href=${encodeURIComponent(href)}`}`,
    strictCspPage: (name) => `${base}/t/csp/${name}`,
    pageWithHead: (html) => `${base}/t/head?html=${encodeURIComponent(html)}`,
    framesPage: (name, allow, nested = false) => {
      const q = new URLSearchParams()
      if (allow !== null) q.set('allow', allow)
      if (nested) q.set('nested', '1')
      return `${base}/t/frames/${name}?${q.toString()}`
    },
    manyLinksPage: (prefix, count) => `${base}/t/links/${prefix}/${count}`,
    metaCspPage: (name, allow) => `${base}/t/meta-csp/${name}?allow=${encodeURIComponent(allow)}`,
    cacheablePage: (name) => `${base}/t/cacheable/${name}`,
    headerPolicyPage: (name, { csp, pp }) => {
      const q = new URLSearchParams()
      if (csp !== undefined) q.set('csp', csp)
      if (pp !== undefined) q.set('pp', pp)
      return `${base}/t/policy/${name}?${q.toString()}`
    },
    headerPolicyFrames: (name, { pp, allow, childPp }) => {
      const q = new URLSearchParams()
      if (pp !== undefined) q.set('pp', pp)
      if (allow !== undefined) q.set('allow', allow)
      if (childPp !== undefined) q.set('childpp', childPp)
      return `${base}/t/policy-frames/${name}?${q.toString()}`
    },
    dataFramePage: (name) => `${base}/t/data-frame/${name}`,
    privacyPage: (name) => `${base}/t/privacy/${name}`,
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
