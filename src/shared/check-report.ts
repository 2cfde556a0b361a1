/** The pointer tester's report: shared by the worker, the tester page and the command line. */
import { t } from './i18n.ts'
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
  const marks = { none: '-', ok: t('tester_textOk'), fail: t('tester_textFail') }
  const width = Math.max(4, marks.ok.length, marks.fail.length)
  const mark = (ok: boolean | null): string => (ok === null ? marks.none : ok ? marks.ok : marks.fail)
  const lines = [t('tester_textTitle', r.input), t('tester_textAt', r.at), r.ok ? t('tester_textPayable') : t('tester_textNotPayable', r.failed ?? '?'), '']
  for (const s of r.steps) {
    lines.push(`${mark(s.ok).padEnd(width)} ${s.step.padEnd(19)} ${t('tester_ms', String(s.ms).padStart(5))}  ${s.detail}`)
    if (s.fix !== undefined) lines.push(`${' '.repeat(width + 1)}${t('tester_textFix', s.fix)}`)
  }
  if (r.payment?.rate != null) lines.push('', t('tester_textRate', r.payment.rate))
  return lines.join('\n')
}
