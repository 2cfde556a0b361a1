/**
 * The payment-rate figures shared by the benches: what the receiver holds against rate × visible time.
 * The default rate pays 100 receiver units (USD, scale 6) a second.
 */
export const UNITS_PER_SECOND = 100n

export interface Rate { expected: bigint; delivered: bigint; visibleMs: number; packets: number; minGapMs: number }

/**
 * Compares at the last packet: each packet pays up to (its sending time + the leading second), so the
 * receiver should hold rate × (time of the last packet − tag seen + 1 s), less its latency.
 */
export function rateOf(packets: readonly { at: number }[], delivered: bigint, seen: number, end: number): Rate {
  const last = packets.at(-1)
  const visibleMs = (last?.at ?? end) - seen
  const expected = (UNITS_PER_SECOND * BigInt(visibleMs + 1000)) / 1000n
  let minGapMs = Infinity
  for (let i = 1; i < packets.length; i++) minGapMs = Math.min(minGapMs, (packets[i]?.at ?? 0) - (packets[i - 1]?.at ?? 0))
  return { expected, delivered, visibleMs, packets: packets.length, minGapMs }
}

export const errorPct = (r: { expected: bigint; delivered: bigint }): number => (Number(r.delivered - r.expected) / Number(r.expected)) * 100
