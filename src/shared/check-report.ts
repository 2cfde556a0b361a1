/** The pointer tester's report: shared by the worker, the tester page and the command line. */
import type { AmountJson } from './money.ts'

export const CHECK_STEPS = [
  'syntax', 'url', 'http', 'headers', 'json', 'destination_account', 'shared_secret', 'stream', 'payment',
] as const
export type CheckStep = (typeof CHECK_STEPS)[number]

export interface StepResult {
  step: CheckStep
  /** null: not reached (an earlier step failed, or the step was not asked for). */
  ok: boolean | null
  ms: number
  detail: string
  fix?: string
}

export interface CheckReport {
  input: string
  url: string | null
  ok: boolean
  /** The first step that failed. */
  failed: CheckStep | null
  steps: StepResult[]
  payment?: { sent: AmountJson; delivered: AmountJson | null; rate: string | null }
  at: string
}

/** The report as text, for a wallet's support. */
export function reportText(r: CheckReport): string {
  const mark = (ok: boolean | null): string => (ok === null ? '-' : ok ? 'ok' : 'FAIL')
  const lines = [`Trickle pointer check: ${r.input}`, `at ${r.at}`, `result: ${r.ok ? 'payable' : `not payable (fails at ${r.failed ?? '?'})`}`, '']
  for (const s of r.steps) {
    lines.push(`${mark(s.ok).padEnd(4)} ${s.step.padEnd(19)} ${String(s.ms).padStart(5)} ms  ${s.detail}`)
    if (s.fix !== undefined) lines.push(`     fix: ${s.fix}`)
  }
  if (r.payment?.rate != null) lines.push('', `exchange rate seen: ${r.payment.rate}`)
  return lines.join('\n')
}
