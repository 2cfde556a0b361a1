/**
 * A stand-in for a public website, for the tests of what public pages may make Trickle do:
 * `https://news.example:<port>`, served here over TLS with a test-only self-signed certificate
 * (test/fixtures/public-site: its key protects nothing). Chromium is told that news.example is
 * 127.0.0.1 and to accept the certificate (`PUBLIC_SITE_ARGS`); to Trickle it is a public name like
 * any other, which is the point: an extension sees the name, not the address.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { join } from 'node:path'
import { escape, LOGGER_SCRIPT, page } from './site.ts'

export const PUBLIC_HOST = 'news.example'
export const PUBLIC_SITE_ARGS = [`--host-resolver-rules=MAP ${PUBLIC_HOST} 127.0.0.1`, '--ignore-certificate-errors']

export interface PublicSite {
  base: string
  /** A logger page (window.__wmEvents) with one <link rel="monetization" href="…">. */
  linkPage(href: string): string
  /** The sandbox receiver's SPSP endpoint for `name`, relayed under the public name. */
  spsp(name: string): string
  /** A URL that redirects (302) to `to`. */
  redirect(to: string): string
  stop(): Promise<void>
}

const CERT_DIR = join(import.meta.dirname, '../fixtures/public-site')

export async function startPublicSite(opts: { port: number; spspBase: string }): Promise<PublicSite> {
  const base = `https://${PUBLIC_HOST}:${opts.port}`
  const server: Server = createServer({ key: readFileSync(join(CERT_DIR, 'key.pem')), cert: readFileSync(join(CERT_DIR, 'cert.pem')) }, (req, res) => {
    const url = new URL(req.url ?? '/', base)
    if (url.pathname === '/page') {
      const href = url.searchParams.get('href') ?? ''
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(page('A public page', LOGGER_SCRIPT + `<link rel="monetization" href="${escape(href)}">`, ''))
      return
    }
    const relay = /^\/spsp\/([a-z0-9-]{1,64})$/.exec(url.pathname)
    if (relay !== null) {
      void fetch(`${opts.spspBase}/${relay[1] ?? ''}`, { headers: { accept: req.headers.accept ?? '' } }).then(async (r) => {
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain', 'cache-control': 'no-store' }).end(await r.text())
      }, () => { res.writeHead(502).end() })
      return
    }
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end()
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
  })
  await new Promise<void>((resolve) => server.listen(opts.port, '127.0.0.1', resolve))
  return {
    base,
    linkPage: (href) => `${base}/page?href=${encodeURIComponent(href)}`,
    spsp: (name) => `${base}/spsp/${name}`,
    redirect: (to) => `${base}/redirect?to=${encodeURIComponent(to)}`,
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
