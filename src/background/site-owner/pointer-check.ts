/**
 * The pointer tester: "can this payment pointer be paid, and if not, why?" It walks the same chain a
 * payment does, with the same code (pointer.ts, spsp.ts, and the caller's STREAM payment), and
 * reports each step with its verdict, its time and, on failure, what to fix. Used by the extension's
 * tester page (through the worker) and by `npm run check-pointer` in Node.
 */
import { CHECK_STEPS, type CheckReport, type CheckStep, type StepResult } from '../../shared/check-report.ts'
import type { AmountJson, Asset } from '../../shared/money.ts'
import { describePointerProblem, resolvePaymentTarget } from '../../shared/pointer.ts'
import { errorMessage, type Result } from '../../shared/result.ts'
import { querySpsp, type SpspAnswer, type SpspOptions, type SpspFailure, type SpspStep } from '../payment/spsp.ts'

/** What a test payment reports: the amounts, or why it failed and at which stage. */
export interface TestPayment {
  sent: bigint
  delivered: bigint
  source: Asset
  destination: Asset | null
}
/** `maybeLeft`: units that may have left although unconfirmed (the caller counts them as spent). */
export type PayFailure = { stage: 'stream' | 'payment'; message: string; maybeLeft?: bigint }

export interface CheckDeps {
  fetch?: typeof fetch
  /** Where an opaque redirect pointed (the worker's webRequest watch; Node's fetch shows Location). */
  redirectTarget?: SpspOptions['redirectTarget']
  now?: () => number
  timeoutMs?: number
  /** Sends the test payment; absent: the STREAM and payment steps are skipped (no uplink). */
  pay?(answer: SpspAnswer, onConnected: () => void): Promise<Result<TestPayment, PayFailure>>
  /** Why the payment steps are skipped when `pay` is absent. */
  skipReason?: string
}

const SPSP_STEP: Record<SpspStep, CheckStep> = {
  network: 'http', timeout: 'http', redirect: 'http', status: 'http',
  'content-type': 'headers', size: 'json', json: 'json',
  destination_account: 'destination_account', shared_secret: 'shared_secret',
}

/** What a site owner can do about each failure. */
function fixFor(f: SpspFailure): string {
  switch (f.step) {
    case 'network': return 'Check that the host name is right and that the server is up and reachable over HTTPS.'
    case 'timeout': return 'The wallet server is too slow or stuck; ask your wallet provider, or try again later.'
    case 'redirect': return 'Redirects must stay on https:// and be at most 5 hops; point the tag at the final URL.'
    case 'status':
      return f.status === 404 ? 'Nothing is at this address: check the path after the host (a pointer $host/path means https://host/path; $host alone means https://host/.well-known/pay).'
        : f.status !== undefined && f.status >= 500 ? 'The wallet server failed; ask your wallet provider.'
        : 'The server refuses SPSP requests here; check the address with your wallet provider.'
    case 'content-type': return 'The server must answer an "Accept: application/spsp4+json" request with Content-Type application/spsp4+json; this is usually the wrong URL (a web page, not the payment endpoint).'
    case 'size': case 'json': return 'The answer must be a small JSON object with destination_account and shared_secret; this is usually the wrong URL.'
    case 'destination_account': return 'destination_account must be an ILP address such as g.wallet.alice.~abc (RFC 15); ask your wallet provider.'
    case 'shared_secret': return 'shared_secret must be base64 (or base64url) of exactly 32 bytes; ask your wallet provider.'
  }
}

export async function checkPointer(input: string, deps: CheckDeps = {}): Promise<CheckReport> {
  const now = deps.now ?? Date.now
  const steps: StepResult[] = []
  let clock = now()
  const lap = (): number => {
    const t = now()
    const ms = t - clock
    clock = t
    return ms
  }
  const done = (url: string | null, payment?: CheckReport['payment']): CheckReport => {
    const failedStep = steps.find((s) => s.ok === false)?.step ?? null
    for (const step of CHECK_STEPS) {
      if (!steps.some((s) => s.step === step)) steps.push({ step, ok: null, ms: 0, detail: failedStep === null ? (deps.skipReason ?? 'Not run.') : 'Not reached.' })
    }
    steps.sort((a, b) => CHECK_STEPS.indexOf(a.step) - CHECK_STEPS.indexOf(b.step))
    return { input, url, ok: failedStep === null, failed: failedStep, steps, ...(payment === undefined ? {} : { payment }), at: new Date(now()).toISOString() }
  }

  const target = resolvePaymentTarget(input)
  if (!target.ok) {
    steps.push({ step: 'syntax', ok: false, ms: lap(), detail: describePointerProblem(target.error), fix: 'Write it as $wallet.example/alice or https://wallet.example/alice.' })
    return done(null)
  }
  steps.push({ step: 'syntax', ok: true, ms: lap(), detail: target.value.kind === 'pointer' ? 'A valid payment pointer.' : 'A valid SPSP URL.' })
  steps.push({ step: 'url', ok: true, ms: lap(), detail: `Trickle asks ${target.value.url}` })

  const spsp = await querySpsp(target.value.url, {
    fetch: deps.fetch,
    ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }),
    ...(deps.redirectTarget === undefined ? {} : { redirectTarget: deps.redirectTarget }),
  })
  const ms = lap()
  if (!spsp.ok) {
    const failedAt = SPSP_STEP[spsp.error.step]
    // Steps before the failing one passed.
    for (const step of CHECK_STEPS.slice(CHECK_STEPS.indexOf('http'), CHECK_STEPS.indexOf(failedAt))) {
      steps.push({ step, ok: true, ms: 0, detail: 'Passed.' })
    }
    steps.push({ step: failedAt, ok: false, ms, detail: spsp.error.message, fix: fixFor(spsp.error) })
    return done(target.value.url)
  }
  const a = spsp.value
  const finalHost = new URL(a.finalUrl).host
  steps.push({ step: 'http', ok: true, ms, detail: `HTTP ${a.status} from ${finalHost}${a.finalUrl === target.value.url ? '' : ` (redirected to ${a.finalUrl})`}.` })
  steps.push({ step: 'headers', ok: true, ms: 0, detail: `Content-Type ${a.contentType}; Cache-Control ${a.cacheControl ?? 'not set'}.${a.cacheControl !== null && /no-store|no-cache|max-age=0/.test(a.cacheControl) ? '' : ' (SPSP answers should not be cached: send Cache-Control: no-store.)'}` })
  steps.push({ step: 'json', ok: true, ms: 0, detail: 'A JSON object.' })
  steps.push({ step: 'destination_account', ok: true, ms: 0, detail: a.destinationAccount })
  steps.push({ step: 'shared_secret', ok: true, ms: 0, detail: 'Decodes to 32 bytes.' })
  if (deps.pay === undefined) return done(target.value.url)

  let payment: CheckReport['payment']
  try {
    const paid = await deps.pay(a, () => { steps.push({ step: 'stream', ok: true, ms: lap(), detail: 'Connected through your uplink.' }) })
    if (!paid.ok) {
      if (paid.error.stage === 'stream') {
        steps.push({ step: 'stream', ok: false, ms: lap(), detail: paid.error.message, fix: 'The receiver\'s address could not be reached over Interledger: the wallet may be down, or your uplink\'s network cannot route to it.' })
      } else {
        steps.push({ step: 'payment', ok: false, ms: lap(), detail: paid.error.message, fix: 'The connection opened but no money arrived: the receiver rejects payments, or the route has no liquidity. Ask your wallet provider.' })
      }
      return done(target.value.url)
    }
    const p = paid.value
    const sent: AmountJson = { value: p.sent.toString(), code: p.source.code, scale: p.source.scale }
    const delivered: AmountJson | null = p.destination === null ? null : { value: p.delivered.toString(), code: p.destination.code, scale: p.destination.scale }
    payment = { sent, delivered, rate: rateSeen(p) }
    steps.push({ step: 'payment', ok: true, ms: lap(), detail: `Sent ${sent.value} (${sent.code}, scale ${sent.scale}); the receiver got ${delivered === null ? 'an unknown amount' : `${delivered.value} (${delivered.code}, scale ${delivered.scale})`}.` })
  } catch (e) {
    steps.push({ step: 'payment', ok: false, ms: lap(), detail: `Unexpected error: ${errorMessage(e)}` })
  }
  return done(target.value.url, payment)
}

/** Destination per source, both as decimals of their own currencies, to 6 significant digits. */
function rateSeen(p: TestPayment): string | null {
  if (p.destination === null || p.sent === 0n) return null
  // A rate for display only: floats are fine for a ratio shown to people, never for amounts.
  const source = Number(p.sent) / 10 ** p.source.scale
  const dest = Number(p.delivered) / 10 ** p.destination.scale
  return (dest / source).toPrecision(6)
}
