/**
 * Trickle's icons, drawn here rather than in an editor so that anyone can change the design and get
 * the same bytes back: `npx tsx build/icons.ts` writes `public/icons/` (crxjs copies `public/` to the
 * build's root). The mark is a droplet with a small highlight, filled with a vertical gradient from a
 * light blue at the tip to a deep blue at the bottom, so that part of it stands out on a light toolbar
 * and part on a dark one. The muted variant (a page Trickle does not pay) is the same droplet in grey.
 *
 * Each pixel's coverage is the share of an 8 × 8 grid of samples inside the shape (anti-aliasing
 * without floating-point drift between machines: the same arithmetic, the same order, the same bytes).
 * The PNG is written by hand (signature, IHDR, one IDAT through node:zlib, IEND): no dependency.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

export const ICON_SIZES = [16, 32, 48, 128] as const
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

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const head = Buffer.alloc(4)
  head.writeUInt32BE(data.length)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([head, body, crc])
}

/** A PNG of `size` × `size` RGBA pixels (8 bits each, no filter on any row). */
export function encodePng(size: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // colour type: RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0
    Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ])
}

/** The file name of an icon, relative to the build's root (and to `public/`). */
export const iconPath = (size: number, variant: Variant): string =>
  `icons/trickle${variant === 'active' ? '' : `-${variant}`}-${size}.png`

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const root = new URL('../public/', import.meta.url)
  mkdirSync(new URL('icons/', root), { recursive: true })
  for (const variant of Object.keys(VARIANTS) as Variant[]) {
    for (const size of ICON_SIZES) {
      writeFileSync(new URL(iconPath(size, variant), root), encodePng(size, drawIcon(size, variant)))
    }
  }
  console.log(`wrote ${ICON_SIZES.length * Object.keys(VARIANTS).length} icons to public/icons/`)
}
