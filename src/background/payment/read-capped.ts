/**
 * A response body read up to a size, never past it: a server that sends more (or says it will, in
 * Content-Length) is cut off there, so no peer can make the worker hold more than `maxBytes` of it.
 * SPSP servers (spsp.ts) and ILP-over-HTTP peers (http-link.ts) are both read through this.
 */
export type CappedBody = { problem: null; bytes: Uint8Array } | { problem: 'too-large' | 'unfinished' }

export async function readCapped(response: Response, maxBytes: number): Promise<CappedBody> {
  const declared = Number(response.headers.get('content-length') ?? 'NaN')
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    return { problem: 'too-large' }
  }
  if (response.body === null) return { problem: null, bytes: new Uint8Array(0) }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined)
        return { problem: 'too-large' }
      }
      chunks.push(value)
    }
  } catch {
    return { problem: 'unfinished' } // the abort signal fired mid-body, or the connection broke
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    bytes.set(c, offset)
    offset += c.byteLength
  }
  return { problem: null, bytes }
}
