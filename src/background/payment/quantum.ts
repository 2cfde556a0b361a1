/**
 * The receiver's smallest unit, in source units. Allowances grow in multiples of it: without it, every
 * packet to a coarser asset loses its sub-unit remainder at the connector (0.5 % at the default rate
 * into a scale-6 account; everything into a scale-2 one).
 */
import type { Asset } from '../../shared/money.ts'

/** One unit of `destination` in units of `source`, when they are one currency at two scales; else 1. */
export function scaleQuantum(source: Asset, destination: Asset | null): bigint {
  if (destination === null || destination.code !== source.code || destination.scale >= source.scale) return 1n
  return 10n ** BigInt(source.scale - destination.scale)
}

/**
 * The receiver's smallest unit in source units, from one fulfilled packet: the power of ten nearest to
 * source ÷ delivered (exact when the assets differ by scale only, as is common; across currencies the
 * remainder per packet stays under one receiver unit). A packet that delivered nothing means the unit
 * is larger than the packet: see below.
 */
export function learnQuantum(source: bigint, delivered: bigint, current: bigint, sourceScale = 0): bigint {
  if (source <= 0n) return current
  if (delivered <= 0n) {
    // The unit is larger than this packet. Guessing one power of ten at a time would lose a packet
    // per guess; jump to a hundredth of the source's unit (a cent, for most currencies), which
    // whole-cent accounts can receive; the next packet's answer refines it downwards.
    const cent = 10n ** BigInt(Math.max(0, sourceScale - 2))
    const above = 10n ** BigInt(source.toString().length)
    return cent > above ? cent : above
  }
  // Deciding a rounding unit, not an amount: a float ratio is fine here.
  const exponent = Math.max(0, Math.round(Math.log10(Number(source) / Number(delivered))))
  return 10n ** BigInt(exponent)
}
