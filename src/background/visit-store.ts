/**
 * Where visits survive a worker restart: browser.storage.session (kept while the browser runs, cleared
 * when it quits, readable by extension pages and this worker only, never by content scripts).
 * One key per tab and receiver, so saving one visit rewrites one small record.
 */
import type { Storage } from 'webextension-polyfill'
import { isRecord } from '../shared/guards.ts'
import type { VisitRecord } from './visit.ts'

const PREFIX = 'visit:'
const keyOf = (r: Pick<VisitRecord, 'tabId' | 'input'>): string => `${PREFIX}${r.tabId}:${r.input}`

export class VisitStore {
  constructor(private readonly area: Storage.StorageArea) {}

  async save(record: VisitRecord): Promise<void> {
    await this.area.set({ [keyOf(record)]: record })
  }

  async remove(record: Pick<VisitRecord, 'tabId' | 'input'>): Promise<void> {
    await this.area.remove(keyOf(record))
  }

  async loadAll(): Promise<VisitRecord[]> {
    const all = await this.area.get(null)
    const records: VisitRecord[] = []
    for (const [key, value] of Object.entries(all)) {
      if (key.startsWith(PREFIX) && isVisitRecord(value)) records.push(value)
    }
    return records
  }
}

/** Storage is ours, but a record from an older build must not crash the worker: check its shape. */
function isVisitRecord(v: unknown): v is VisitRecord {
  if (!isRecord(v)) return false
  const accrual = v.accrual
  return Number.isSafeInteger(v.tabId) && typeof v.visitId === 'string' && typeof v.input === 'string' &&
    typeof v.counted === 'string' && /^\d+$/.test(v.counted) && typeof v.sent === 'string' && /^\d+$/.test(v.sent) &&
    typeof v.delivered === 'string' && /^\d+$/.test(v.delivered) && isRecord(accrual) &&
    typeof accrual.folded === 'string' && /^\d+$/.test(accrual.folded) && typeof accrual.segmentMs === 'number' &&
    typeof v.quantum === 'string' && /^[1-9]\d*$/.test(v.quantum)
}
