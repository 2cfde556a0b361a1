/**
 * The Web Monetization API as pages see it, installed in the page's own world: the v1
 * `document.monetization` (an EventTarget with `state` and four events) and the current spec's
 * `MonetizationEvent`, fired as `monetization` at the <link>, with `onmonetization` handlers and
 * `relList.supports('monetization')`. It only dispatches what Trickle's content script decided;
 * nothing here can reach the extension.
 */
import { WM_CHANNEL_EVENT, type PageInstruction } from '../shared/wm-channel.ts'
import { isRecord } from '../shared/guards.ts'

export interface MonetizationCurrencyAmount { value: string; currency: string }
export interface MonetizationEventInit extends EventInit {
  amountSent: MonetizationCurrencyAmount
  paymentPointer: string
  incomingPayment?: string | null
  amount?: string | null
  assetCode?: string | null
  assetScale?: number | null
  receipt?: string | null
}

export function installWebMonetization(win: Window & typeof globalThis): void {
  const doc = win.document
  if ('monetization' in doc) return // another provider is already there; do not fight it

  class MonetizationEvent extends win.Event {
    readonly amountSent: MonetizationCurrencyAmount
    readonly paymentPointer: string
    readonly incomingPayment: string | null
    /* deprecated in the spec, kept for older sites */ readonly amount: string | null
    /* deprecated in the spec, kept for older sites */ readonly assetCode: string | null
    /* deprecated in the spec, kept for older sites */ readonly assetScale: number | null
    /* deprecated in the spec, kept for older sites */ readonly receipt: string | null
    constructor(type: string, init: MonetizationEventInit) {
      super(type, init)
      this.amountSent = Object.freeze({ value: asString(init.amountSent.value), currency: asString(init.amountSent.currency) })
      this.paymentPointer = asString(init.paymentPointer)
      this.incomingPayment = init.incomingPayment ?? null
      this.amount = init.amount ?? null
      this.assetCode = init.assetCode ?? null
      this.assetScale = init.assetScale ?? null
      this.receipt = init.receipt ?? null
    }
  }
  Object.defineProperty(win, 'MonetizationEvent', { value: MonetizationEvent, writable: true, configurable: true, enumerable: false })

  type State = 'stopped' | 'pending' | 'started'
  let state: State = 'stopped'
  class DocumentMonetization extends win.EventTarget {
    get state(): State { return state }
  }
  const monetization = new DocumentMonetization()
  Object.defineProperty(doc, 'monetization', { value: monetization, writable: false, configurable: false, enumerable: true })

  // onmonetization as an IDL attribute on every element, the document and the window.
  const handlers = new WeakMap<EventTarget, (e: Event) => unknown>()
  const installHandler = (proto: object): void => {
    Object.defineProperty(proto, 'onmonetization', {
      configurable: true,
      enumerable: true,
      get(this: EventTarget) { return handlers.get(this) ?? null },
      set(this: EventTarget, fn: unknown) {
        const old = handlers.get(this)
        if (old !== undefined) this.removeEventListener('monetization', old)
        if (typeof fn === 'function') {
          const bound = (e: Event): unknown => (fn as (this: EventTarget, e: Event) => unknown).call(this, e)
          handlers.set(this, bound)
          this.addEventListener('monetization', bound)
        } else {
          handlers.delete(this)
        }
      },
    })
  }
  installHandler(win.HTMLElement.prototype)
  installHandler(win.Document.prototype)
  installHandler(win.Window.prototype)

  // The onmonetization content attribute, on any element: compiled into the handler when set, as
  // browsers do for their own events. Under a CSP without 'unsafe-eval' compiling fails, exactly
  // as inline handlers fail under one without 'unsafe-inline'; the attribute is then inert.
  const fromAttribute = (el: Element): void => {
    const text = el.getAttribute('onmonetization')
    const target = el as Element & { onmonetization: unknown }
    if (text === null) {
      target.onmonetization = null
      return
    }
    try {
      // The page's own attribute text, compiled in the page's own world, as the browser would.
      target.onmonetization = new win.Function('event', text)
    } catch {
      target.onmonetization = null
    }
  }
  new win.MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes' && r.target instanceof win.Element) fromAttribute(r.target)
      for (const node of r.addedNodes) {
        if (!(node instanceof win.Element)) continue
        if (node.hasAttribute('onmonetization')) fromAttribute(node)
        for (const el of node.querySelectorAll('[onmonetization]')) fromAttribute(el)
      }
    }
  }).observe(doc, { subtree: true, childList: true, attributes: true, attributeFilter: ['onmonetization'] })

  // <link>.relList.supports('monetization') is the spec's feature test.
  const linkRelLists = new WeakSet<DOMTokenList>()
  const relList = Object.getOwnPropertyDescriptor(win.HTMLLinkElement.prototype, 'relList')
  if (relList?.get !== undefined) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(this)
    const get = relList.get
    Object.defineProperty(win.HTMLLinkElement.prototype, 'relList', {
      ...relList,
      get(this: HTMLLinkElement) {
        const list = get.call(this) as DOMTokenList
        linkRelLists.add(list)
        return list
      },
    })
    // eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(this)
    const supports = win.DOMTokenList.prototype.supports
    Object.defineProperty(win.DOMTokenList.prototype, 'supports', {
      configurable: true,
      writable: true,
      value(this: DOMTokenList, token: string): boolean {
        if (linkRelLists.has(this) && typeof token === 'string' && token.toLowerCase() === 'monetization') return true
        return supports.call(this, token)
      },
    })
  }

  // The channel's receiving end: first in line (capture on window), and the event stops here.
  win.addEventListener(WM_CHANNEL_EVENT, (e: Event) => {
    e.stopImmediatePropagation()
    const instruction = parse((e as CustomEvent<unknown>).detail)
    if (instruction === null) return
    if (instruction.api === 'v1') {
      state = instruction.state
      monetization.dispatchEvent(new win.CustomEvent(instruction.type, { detail: Object.freeze({ ...instruction.detail }) }))
      return
    }
    const target = e.target
    if (!(target instanceof win.HTMLLinkElement) || !target.isConnected) return
    if (instruction.type === 'monetization') {
      target.dispatchEvent(new MonetizationEvent('monetization', { ...instruction.init, bubbles: true, cancelable: false }))
    } else {
      target.dispatchEvent(new win.Event(instruction.type))
    }
  }, true)
}

/** Pages may construct events with anything: coerce like WebIDL's DOMString does. */
const asString = (v: unknown): string => String(v)

function parse(detail: unknown): PageInstruction | null {
  if (typeof detail !== 'string') return null
  try {
    const value: unknown = JSON.parse(detail)
    return isRecord(value) && (value.api === 'v1' || value.api === 'link') ? (value as PageInstruction) : null
  } catch {
    return null
  }
}
