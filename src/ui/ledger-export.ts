/**
 * The ledger's export as a file built in this page, a page of rows at a time (the worker's reply to
 * each is small, so no export is ever too big for one message, and the worker pays on between pages).
 */
import { LedgerFileBuilder, type LedgerFormat } from '../shared/ledger-file.ts'
import type { Result } from '../shared/result.ts'
import { ask } from './api.ts'
import { t } from '../shared/i18n.ts'

/** Bounds the loop whatever the worker answers: far more pages than any ledger has (2,000 rows each). */
const MAX_PAGES = 100_000

export async function exportLedger(format: LedgerFormat, now: number): Promise<Result<string[]>> {
  const file = new LedgerFileBuilder(format, now)
  let after: string | null = null
  for (let page = 0; page < MAX_PAGES; page++) {
    const r: Awaited<ReturnType<typeof ask<'export-ledger-page'>>> = await ask('export-ledger-page', { after })
    if (!r.ok) return r
    file.add(r.value.rows)
    if (r.value.next === null) return { ok: true, value: file.parts() }
    // A next key at or before this one would loop for ever (the worker's keys only go forward): never a partial file.
    if (after !== null && r.value.next <= after) break
    after = r.value.next
  }
  return { ok: false, error: t('options_exportIncomplete') }
}
