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
import { t } from '../../shared/i18n.ts'
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
    case 'network': return t('tester_fixNetwork')
    case 'timeout': return t('tester_fixTimeout')
    case 'redirect': return t('tester_fixRedirect')
    case 'status':
      return f.status === 404 ? t('tester_fixStatus404')
        : f.status !== undefined && f.status >= 500 ? t('tester_fixStatus5xx')
        : t('tester_fixStatus')
    case 'content-type': return t('tester_fixContentType')
    case 'size': case 'json': return t('tester_fixJson')
    case 'destination_account': return t('tester_fixDestination')
    case 'shared_secret': return t('tester_fixSecret')
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
      if (!steps.some((s) => s.step === step)) steps.push({ step, ok: null, ms: 0, detail: failedStep === null ? (deps.skipReason ?? t('tester_notRun')) : t('tester_notReached') })
    }
    steps.sort((a, b) => CHECK_STEPS.indexOf(a.step) - CHECK_STEPS.indexOf(b.step))
    return { input, url, ok: failedStep === null, failed: failedStep, steps, ...(payment === undefined ? {} : { payment }), at: new Date(now()).toISOString() }
  }

  const target = resolvePaymentTarget(input)
  if (!target.ok) {
    steps.push({ step: 'syntax', ok: false, ms: lap(), detail: describePointerProblem(target.error), fix: t('tester_fixSyntax') })
    return done(null)
  }
  steps.push({ step: 'syntax', ok: true, ms: lap(), detail: target.value.kind === 'pointer' ? t('tester_validPointer') : t('tester_validUrl') })
  steps.push({ step: 'url', ok: true, ms: lap(), detail: t('tester_asks', target.value.url) })

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
      steps.push({ step, ok: true, ms: 0, detail: t('tester_passed') })
    }
    steps.push({ step: failedAt, ok: false, ms, detail: spsp.error.message, fix: fixFor(spsp.error) })
    return done(target.value.url)
  }
  const a = spsp.value
  const finalHost = new URL(a.finalUrl).host
  steps.push({ step: 'http', ok: true, ms, detail: a.finalUrl === target.value.url ? t('tester_httpFrom', a.status, finalHost) : t('tester_httpRedirected', a.status, finalHost, a.finalUrl) })
  steps.push({ step: 'headers', ok: true, ms: 0, detail: headersDetail(a.contentType, a.cacheControl) })
  steps.push({ step: 'json', ok: true, ms: 0, detail: t('tester_jsonObject') })
  steps.push({ step: 'destination_account', ok: true, ms: 0, detail: a.destinationAccount })
  steps.push({ step: 'shared_secret', ok: true, ms: 0, detail: t('tester_secretOk') })
  if (deps.pay === undefined) return done(target.value.url)

  let payment: CheckReport['payment']
  try {
    const paid = await deps.pay(a, () => { steps.push({ step: 'stream', ok: true, ms: lap(), detail: t('tester_connected') }) })
    if (!paid.ok) {
      if (paid.error.stage === 'stream') {
        steps.push({ step: 'stream', ok: false, ms: lap(), detail: paid.error.message, fix: t('tester_fixStream') })
      } else {
        steps.push({ step: 'payment', ok: false, ms: lap(), detail: paid.error.message, fix: t('tester_fixPayment') })
      }
      return done(target.value.url)
    }
    const p = paid.value
    const sent: AmountJson = { value: p.sent.toString(), code: p.source.code, scale: p.source.scale }
    const delivered: AmountJson | null = p.destination === null ? null : { value: p.delivered.toString(), code: p.destination.code, scale: p.destination.scale }
    payment = { sent, delivered, rate: rateSeen(p) }
    steps.push({ step: 'payment', ok: true, ms: lap(), detail: delivered === null ? t('tester_paidUnknown', sent.value, sent.code, sent.scale) : t('tester_paid', sent.value, sent.code, sent.scale, delivered.value, delivered.code, delivered.scale) })
  } catch (e) {
    steps.push({ step: 'payment', ok: false, ms: lap(), detail: t('tester_unexpected', errorMessage(e)) })
  }
  return done(target.value.url, payment)
}

/** The headers step's detail: what came, and a warning when the answer may be cached. */
function headersDetail(contentType: string, cacheControl: string | null): string {
  const uncached = cacheControl !== null && /no-store|no-cache|max-age=0/.test(cacheControl)
  if (cacheControl === null) return t('tester_headersNoCache', contentType)
  return uncached ? t('tester_headers', contentType, cacheControl) : t('tester_headersCached', contentType, cacheControl)
}

/** Destination per source, both as decimals of their own currencies, to 6 significant digits. */
function rateSeen(p: TestPayment): string | null {
  if (p.destination === null || p.sent === 0n) return null
  // A rate for display only: floats are fine for a ratio shown to people, never for amounts.
  const source = Number(p.sent) / 10 ** p.source.scale
  const dest = Number(p.delivered) / 10 ** p.destination.scale
  return (dest / source).toPrecision(6)
}
