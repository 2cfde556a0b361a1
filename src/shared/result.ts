/** The reply shape of every cross-context call, and of fallible functions whose failures users read. */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E }

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value })
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error })

/** Turns anything thrown into a message a person can read (never `[object Object]`). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message === '' ? e.name : e.message
  if (typeof e === 'string') return e
  try {
    return JSON.stringify(e) ?? String(e)
  } catch {
    return String(e)
  }
}
