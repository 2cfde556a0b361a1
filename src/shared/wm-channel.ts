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
