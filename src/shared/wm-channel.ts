/**
 * The one-way channel from Trickle's content script (isolated world) to its page script (main world):
 * a DOM event carrying a JSON string, dispatched on the element the event concerns (the <link>, or the
 * document for document.monetization). It flows one way only and carries no authority: nothing the
 * page dispatches on it reaches the extension, so a page can at most fool its own listeners.
 */
export const WM_CHANNEL_EVENT = 'trickle:wm'

/** Fields of the WM v1 events' `detail` (RFC 0028, the 2020–21 WICG drafts). */
export interface V1Detail {
  paymentPointer: string
  requestId: string
  amount?: string
  assetCode?: string
  assetScale?: number
  receipt?: null
  finalized?: boolean
}

export type PageInstruction =
  | { api: 'v1'; type: 'monetizationpending' | 'monetizationstart' | 'monetizationprogress' | 'monetizationstop'; state: 'pending' | 'started' | 'stopped'; detail: V1Detail }
  | { api: 'link'; type: 'load' | 'error' }
  | {
      api: 'link'
      type: 'monetization'
      init: {
        amountSent: { value: string; currency: string }
        paymentPointer: string
        incomingPayment: null
        amount: string | null
        assetCode: string | null
        assetScale: number | null
        receipt: null
      }
    }

/** An event as the page received it, for the event view: its type, when, and its fields, flat. */
export interface SeenEvent {
  at: number
  type: SeenType
  fields: Record<string, string | number | boolean | null>
}
export const SEEN_TYPES = ['monetizationpending', 'monetizationstart', 'monetizationprogress', 'monetizationstop', 'monetization', 'load', 'error'] as const
export type SeenType = (typeof SEEN_TYPES)[number]

/** What the event view shows of an instruction the page script dispatched. */
export function seenEvent(i: PageInstruction, at: number): SeenEvent {
  if (i.api === 'v1') {
    const fields: SeenEvent['fields'] = { state: i.state }
    for (const [k, v] of Object.entries(i.detail) as [string, V1Detail[keyof V1Detail]][]) if (v !== undefined) fields[k] = v
    return { at, type: i.type, fields }
  }
  if (i.type !== 'monetization') return { at, type: i.type, fields: {} }
  const { amountSent, ...rest } = i.init
  return { at, type: i.type, fields: { 'amountSent.value': amountSent.value, 'amountSent.currency': amountSent.currency, ...rest } }
}
