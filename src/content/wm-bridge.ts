/**
 * Turns the worker's payment events into Web Monetization events for the page: a requestId per tag
 * (new when a tag appears or its value changes), the v1 state machine of document.monetization, and
 * the current spec's `monetization`, `load` and `error` events on the <link>. The page script only
 * dispatches what this module decides.
 */
import type { PaymentEvent, TagRef } from '../shared/messages.ts'
import { toDecimalString } from '../shared/money.ts'
import { WM_CHANNEL_EVENT, type PageInstruction, type V1Detail } from '../shared/wm-channel.ts'
import { findTagElements, type FoundTag } from './tags.ts'

type V1State = 'stopped' | 'pending' | 'started'
interface Tracked { requestId: string; state: V1State; paymentPointer: string }

const key = (t: TagRef): string => `${t.kind} ${t.value}`

/** "0.000100000" → "0.0001": PaymentCurrencyAmount values without trailing zeros. */
export function decimalValue(value: string, scale: number): string {
  const exact = toDecimalString(BigInt(value), scale)
  return exact.includes('.') ? exact.replace(/0+$/, '').replace(/\.$/, '') : exact
}

export class WmBridge {
  private readonly tracked = new Map<string, Tracked>()

  constructor(
    private readonly doc: Document,
    private readonly randomUUID: () => string,
    /** Told of every event the page is sent (once per event, however many links carry it). */
    private readonly onEvent: (i: PageInstruction) => void = () => undefined,
  ) {}

  /** Whether any tag is known here (its events may still be owed to the page). */
  get tracking(): boolean { return this.tracked.size > 0 }

  /** The page's tags now: tags that went away (or changed value) end with a final stop. */
  tagsChanged(tags: readonly FoundTag[]): void {
    const present = new Set(tags.map(key))
    for (const [k, t] of this.tracked) {
      if (present.has(k)) continue
      if (t.state !== 'stopped') this.v1(t, 'monetizationstop', 'stopped', { finalized: true })
      this.tracked.delete(k)
    }
    for (const t of tags) {
      if (!this.tracked.has(key(t))) this.tracked.set(key(t), { requestId: this.randomUUID(), state: 'stopped', paymentPointer: t.value.trim() })
    }
  }

  handle(e: PaymentEvent): void {
    const t = this.tracked.get(key(e.tag))
    if (t === undefined) return // a tag the page no longer has
    switch (e.event) {
      case 'pending':
        if (t.state !== 'pending') this.v1(t, 'monetizationpending', 'pending', {})
        return
      case 'resolved':
        if (e.tag.kind === 'link') this.link(e.tag, { api: 'link', type: 'load' })
        return
      case 'failed':
        if (e.tag.kind === 'link') this.link(e.tag, { api: 'link', type: 'error' })
        if (t.state !== 'stopped') this.v1(t, 'monetizationstop', 'stopped', { finalized: true })
        return
      case 'paused':
        if (t.state !== 'stopped') this.v1(t, 'monetizationstop', 'stopped', { finalized: false })
        return
      case 'paid': {
        // The state becomes `started` before monetizationstart fires, which comes before the first progress.
        if (t.state !== 'started') this.v1(t, 'monetizationstart', 'started', {})
        const r = e.received
        this.v1(t, 'monetizationprogress', 'started', r === null ? {} : { amount: r.value, assetCode: r.code, assetScale: r.scale, receipt: null })
        if (e.tag.kind === 'link') {
          this.link(e.tag, {
            api: 'link',
            type: 'monetization',
            init: {
              // amountSent is what left the user's account, in its currency (see the README).
              amountSent: { value: decimalValue(e.sent.value, e.sent.scale), currency: e.sent.code },
              paymentPointer: e.paymentPointer,
              incomingPayment: null,
              amount: r?.value ?? null,
              assetCode: r?.code ?? null,
              assetScale: r?.scale ?? null,
              receipt: null,
            },
          })
        }
        return
      }
    }
  }

  private v1(t: Tracked, type: Extract<PageInstruction, { api: 'v1' }>['type'], state: V1State, extra: Partial<V1Detail>): void {
    t.state = state
    const instruction: PageInstruction = { api: 'v1', type, state, detail: { paymentPointer: t.paymentPointer, requestId: t.requestId, ...extra } }
    this.dispatch(this.doc, instruction)
    this.onEvent(instruction)
  }

  private link(tag: TagRef, instruction: PageInstruction): void {
    // Every link carrying this value gets the event (the spec fires at each link element).
    const elements = findTagElements(this.doc, tag)
    for (const el of elements) this.dispatch(el, instruction)
    if (elements.length > 0) this.onEvent(instruction)
  }

  private dispatch(target: EventTarget, instruction: PageInstruction): void {
    target.dispatchEvent(new CustomEvent(WM_CHANNEL_EVENT, { detail: JSON.stringify(instruction) }))
  }
}
