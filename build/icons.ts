/**
 * Trickle's icons, drawn here rather than in an editor so that anyone can change the design and get
 * the same bytes back: `npx tsx build/icons.ts` writes `public/icons/` (crxjs copies `public/` to the
 * build's root). The drawing is src/shared/icon-pixels.ts (the worker draws the toolbar's sizes from
 * it too). The PNG is written by hand (signature, IHDR, one IDAT through node:zlib, IEND): no dependency.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import { drawIcon, VARIANTS, type Variant } from '../src/shared/icon-pixels.ts'

export const ICON_SIZES = [16, 32, 48, 128] as const

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
