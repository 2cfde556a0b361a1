/** Small runtime type guards for data that crosses a trust boundary. Nothing is cast; everything is checked. */
export type Guard<T> = (value: unknown) => value is T

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

export const isString = (v: unknown): v is string => typeof v === 'string'

export const isBoundedString = (max: number): Guard<string> =>
  (v: unknown): v is string => typeof v === 'string' && v.length <= max

export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean'

export const isSafeInteger = (v: unknown): v is number => Number.isSafeInteger(v)

export const isNull = (v: unknown): v is null => v === null

/**
 * An array of at most `maxLength` items, every one checked. Holes count as items: `every` skips them, and
 * a structured-cloned sparse array (`[, , tag]`) would pass with `undefined` where a T was promised.
 */
export function isArrayOf<T>(guard: Guard<T>, maxLength: number): Guard<T[]> {
  return (v: unknown): v is T[] => Array.isArray(v) && v.length <= maxLength && Array.from(v).every(guard)
}

/** A guard for an object with exactly these keys (extra keys are refused, so nothing rides along unchecked). */
export function isExact<T extends object>(shape: { [K in keyof T]: Guard<T[K]> }): Guard<T> {
  const keys = Object.keys(shape)
  return (v: unknown): v is T => {
    if (!isRecord(v)) return false
    const own = Object.keys(v)
    if (own.length !== keys.length) return false
    return keys.every((k) => Object.hasOwn(v, k) && (shape[k as keyof T] as Guard<unknown>)(v[k]))
  }
}

export function isOneOf<const T extends readonly string[]>(values: T): Guard<T[number]> {
  return (v: unknown): v is T[number] => typeof v === 'string' && (values as readonly string[]).includes(v)
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v)
