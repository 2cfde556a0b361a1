/** What the worker tells extension pages about payments: shapes shared by the popup and the worker. */
import type { AmountJson, Asset } from './money.ts'

export type UplinkState =
  | { state: 'not-configured' }
  | { state: 'connecting'; host: string }
  | { state: 'connected'; host: string; asset: Asset; address: string; at: number }
  | { state: 'failed'; host: string; reason: string; at: number }

/**
 * Where one tab's payment stands. `phase` drives the popup's wording; `reason` says why when it is not
 * paying. A list as well as a type, so that the pages can check a phase they are sent.
 */
export const PAY_PHASES = [
  'resolving',     // querying the receiver's SPSP endpoint
  'connecting',    // opening the STREAM connection through the uplink
  'paying',        // money is flowing
  'paused',        // nobody is looking (hidden tab, unfocused window, idle user) or the user paused it
  'limit',         // the budget or the site's cap is reached
  'retrying',      // an error happened; waiting before the next attempt
  'no-uplink',     // no Interledger account is configured yet
  'failed',        // gave up: the receiver refused, or kept failing
] as const
export type PayPhase = (typeof PAY_PHASES)[number]

/** Steps of a visit's first payment: SPSP answered, uplink connected, STREAM open, first allowance, first fulfil. */
export const TIMELINE_POINTS = ['start', 'spsp', 'uplink', 'stream', 'allowed', 'fulfilled'] as const
export type TimelinePoint = (typeof TIMELINE_POINTS)[number]

export type TabStatus =
  | { kind: 'unavailable' }                       // Trickle's content script is not running in this tab
  | { kind: 'not-monetized' }                     // the page has no monetization tag
  | { kind: 'never' }                             // the user chose never to pay this site
  | { kind: 'invalid'; input: string; reason: string } // the tag is there but cannot be paid
  | {
      kind: 'monetized'
      phase: PayPhase
      reason: string | null
      /** The host that was resolved from the tag: who is being paid. */
      receiverHost: string
      input: string
      /** What this visit has sent, in the uplink's asset (null until the asset is known). */
      sent: AmountJson | null
      /** What the receiver got, in its own asset, as STREAM reports it. */
      delivered: AmountJson | null
      /** Wall-clock ms: when the tag was seen, and when the first packet was fulfilled. */
      seenAt: number
      firstPaidAt: number | null
      /** Simulator mode: the page gets events, no money moves. */
      simulated?: true
      /** How many receivers share the tab's rate (absent when one); `sent` is then the tab's total. */
      receivers?: number
      /** When each step of the first payment was first reached (wall-clock ms). */
      timeline: { point: TimelinePoint; at: number }[]
    }
