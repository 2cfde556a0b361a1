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

/** The type a guard checks for: message types are derived from their guards, so each is declared once. */
export type GuardType<G> = G extends Guard<infer T> ? T : never

type Shape = Record<string, Guard<unknown>>
type ShapeType<S extends Shape> = { -readonly [K in keyof S]: GuardType<S[K]> }

/** `isExact` with the type inferred from the shape (the shape is the one declaration). */
export function exact<const S extends Shape>(shape: S): Guard<ShapeType<S>> {
  return isExact<ShapeType<S>>(shape as { [K in keyof ShapeType<S>]: Guard<ShapeType<S>[K]> })
}

/** `guard`, or null. */
export function nullable<T>(guard: Guard<T>): Guard<T | null> {
  return (v: unknown): v is T | null => v === null || guard(v)
}

/** Any one of the guards. */
export function anyOf<const G extends readonly Guard<unknown>[]>(...guards: G): Guard<GuardType<G[number]>> {
  return (v: unknown): v is GuardType<G[number]> => guards.some((g) => g(v))
}

/** Exactly this string. */
export function literal<const T extends string>(value: T): Guard<T> {
  return (v: unknown): v is T => v === value
}

type OptionalShapeType<O extends Shape> = { -readonly [K in keyof O]?: GuardType<O[K]> }
/** One object type out of an intersection, so that a guard's type reads (and compares) as declared. */
type Flat<T> = { [K in keyof T]: T[K] }

/**
 * `exact`, with keys that may be absent (`fix?: string`). An optional key present as `undefined` is
 * accepted, as its type allows: a structured clone keeps such a key where JSON drops it.
 */
export function exactWithOptional<const S extends Shape, const O extends Shape>(
  shape: S, optional: O,
): Guard<Flat<ShapeType<S> & OptionalShapeType<O>>> {
  const required = Object.keys(shape)
  return (v: unknown): v is Flat<ShapeType<S> & OptionalShapeType<O>> =>
    isRecord(v) &&
    required.every((k) => Object.hasOwn(v, k) && (shape[k] as Guard<unknown>)(v[k])) &&
    Object.keys(v).every((k) => Object.hasOwn(shape, k) || (Object.hasOwn(optional, k) && (v[k] === undefined || (optional[k] as Guard<unknown>)(v[k]))))
}

/** An object used as a map: at most `maxEntries` own keys, each key and each value checked. */
export function isRecordOf<T>(key: Guard<string>, value: Guard<T>, maxEntries: number): Guard<Record<string, T>> {
  return (v: unknown): v is Record<string, T> => {
    if (!isRecord(v)) return false
    const entries = Object.entries(v)
    return entries.length <= maxEntries && entries.every(([k, x]) => key(k) && value(x))
  }
}

/** A string of at most `max` characters that matches `pattern` (which should be anchored). */
export function isMatching(pattern: RegExp, max: number): Guard<string> {
  return (v: unknown): v is string => typeof v === 'string' && v.length <= max && pattern.test(v)
}
