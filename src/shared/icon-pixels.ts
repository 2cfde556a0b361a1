/**
 * Trickle's icon as pixels: a droplet with a small highlight, filled with a vertical gradient from a
 * light blue at the tip to a deep blue at the bottom, so that part of it stands out on a light toolbar
 * and part on a dark one. The muted variant (a page Trickle does not pay) is the same droplet in grey.
 *
 * Each pixel's coverage is the share of an 8 × 8 grid of samples inside the shape (anti-aliasing
 * without floating-point drift between machines: the same arithmetic, the same order, the same bytes).
 * build/icons.ts writes these pixels as the package's PNGs; the worker draws the toolbar's sizes from
 * them too and hands the browser pixels (toolbar.ts), so that setting a tab's icon decodes no image.
 */
export const VARIANTS = {
  // top and bottom of the gradient, as [r, g, b]
  active: { top: [56, 189, 248], bottom: [3, 105, 161] },
  muted: { top: [176, 182, 190], bottom: [95, 102, 112] },
} as const
export type Variant = keyof typeof VARIANTS

const SAMPLES = 8

/** The droplet, in unit coordinates (0…1, y down): a circle and the cone from its tip tangent to it. */
const CX = 0.5
const CY = 0.625
const R = 0.34
const TIP = 0.03
const D = CY - TIP
const TANGENT_Y = CY - (R * R) / D
const TANGENT_X = (R * Math.sqrt(D * D - R * R)) / D

function inDroplet(x: number, y: number): boolean {
  const dx = x - CX
  const dy = y - CY
  if (dx * dx + dy * dy <= R * R) return true
  if (y < TIP || y > TANGENT_Y) return false
  return Math.abs(dx) <= (TANGENT_X * (y - TIP)) / (TANGENT_Y - TIP)
}

/** The highlight: a small circle up and to the left of the droplet's centre. */
function inHighlight(x: number, y: number): boolean {
  const dx = x - (CX - 0.13)
  const dy = y - (CY - 0.06)
  return dx * dx + dy * dy <= 0.075 * 0.075
}

/** RGBA pixels of the icon at `size` px. */
export function drawIcon(size: number, variant: Variant): Uint8Array {
  const { top, bottom } = VARIANTS[variant]
  const out = new Uint8Array(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let body = 0
      let light = 0
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) / size
          const y = (py + (sy + 0.5) / SAMPLES) / size
          if (!inDroplet(x, y)) continue
          body++
          if (inHighlight(x, y)) light++
        }
      }
      if (body === 0) continue
      // Gradient along y from the tip to the bottom of the circle; the highlight mixes in white.
      const g = Math.min(1, Math.max(0, ((py + 0.5) / size - TIP) / (CY + R - TIP)))
      const white = light / body * 0.9
      const i = (py * size + px) * 4
      for (let c = 0; c < 3; c++) {
        const base = (top[c] ?? 0) + ((bottom[c] ?? 0) - (top[c] ?? 0)) * g
        out[i + c] = Math.round(base + (255 - base) * white)
      }
      out[i + 3] = Math.round((255 * body) / (SAMPLES * SAMPLES))
    }
  }
  return out
}
