import { crx } from '@crxjs/vite-plugin'
import preact from '@preact/preset-vite'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import { locales } from './build/locales.ts'
import { manifestFor, OUT_DIR, targetFrom } from './build/targets.ts'

/**
 * The browser builds of ilp-protocol-stream and ilp-plugin-btp start with `const { crypto } = window`;
 * a service worker has no `window`. Read it from globalThis instead (docs/PLATFORM.md).
 */
function windowCryptoToGlobalThis(): Plugin {
  const files = /(ilp-protocol-stream[\\/]dist[\\/]src[\\/]util[\\/]crypto-browser|ilp-plugin-btp[\\/]build[\\/]browser[\\/]crypto)\.js$/
  return {
    name: 'trickle:window-crypto',
    enforce: 'pre',
    transform(code, id) {
      if (!files.test(id)) return null
      const out = code.replace(/const \{ crypto \} = window;/, 'const { crypto } = globalThis;')
      if (out === code) this.error(`expected "const { crypto } = window;" in ${id}; did the library change?`)
      return { code: out, map: null }
    },
  }
}

/**
 * The page script runs in the page's own world, where a page can read the frames of any of our code it
 * catches on the stack. Strict mode, so that a CallSite's getFunction() and getThis() give it nothing;
 * a neutral sourceURL, so that Error().stack names no extension URL; and no source map comment.
 */
function pageScriptPrivacy(): Plugin {
  const file = 'src/page/index.iife.js'
  return {
    name: 'trickle:page-script-privacy',
    apply: 'build',
    enforce: 'post',
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const script = bundle[file]
        if (script?.type !== 'asset' || typeof script.source !== 'string') return this.error(`expected ${file} as an asset; did @crxjs/vite-plugin change?`)
        const body = script.source.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n')
        if (!body.startsWith('(function(')) this.error(`expected ${file} to be one IIFE`)
        script.source = `'use strict';\n${body}//# sourceURL=web-monetization\n`
        // The map no longer matches (one line more), and nothing points at it.
        delete bundle[`${file}.map`]
      },
    },
  }
}

/**
 * The libraries' raw-HTML paths are replaced by an error: no page of Trickle's renders raw HTML, so
 * none can be made to, and Firefox's add-on linter finds no unsafe assignment in the bundle. Preact's
 * is `dangerouslySetInnerHTML`; chartist's is `Svg#foreignObject` given a string (chartist itself
 * passes it elements only: its labels are spans with textContent).
 */
function noRawHtml(): Plugin {
  const paths: { file: RegExp; find: RegExp; replace: string; what: string }[] = [
    { file: /preact[\\/]dist[\\/]preact\.mjs$/, find: /\((\w+)\.innerHTML=(\w+)\.__html\)/, replace: '(()=>{throw new Error("Trickle renders no raw HTML (dangerouslySetInnerHTML)")})()', what: '"(x.innerHTML=y.__html)"' },
    { file: /chartist[\\/]dist[\\/]index\.js$/, find: /container\.innerHTML = content;/, replace: 'throw new Error("Trickle renders no raw HTML (a string given to foreignObject)");', what: '"container.innerHTML = content;"' },
  ]
  return {
    name: 'trickle:no-raw-html',
    enforce: 'pre',
    transform(code, id) {
      const path = paths.find((p) => p.file.test(id))
      if (path === undefined) return null
      const out = code.replace(path.find, path.replace)
      if (out === code) this.error(`expected one ${path.what} in ${id}; did the library change?`)
      return { code: out, map: null }
    },
  }
}

/**
 * The worker's own copy of the shared code (src/shared and webextension-polyfill). Imported by the
 * worker and the pages alike, it would be one chunk that the worker loads whole, with all that only the
 * pages use (the ledger file's builder, the pointer tester's report text, the replies' guards...). Every
 * import from the worker's graph instead resolves to the same file under another id, so rollup bundles
 * the worker's copy apart and keeps of it only what the worker calls (5 KB less). Each context is its
 * own realm anyway: the pages never shared module state with the worker.
 */
function workerOwnSharedCode(): Plugin {
  const SUFFIX = '?trickle-worker'
  const workerFile = /[\\/]src[\\/]background[\\/]/
  const shared = /[\\/]src[\\/]shared[\\/]|[\\/]node_modules[\\/]webextension-polyfill[\\/]/
  return {
    name: 'trickle:worker-own-shared-code',
    apply: 'build',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (importer === undefined || !(importer.endsWith(SUFFIX) || workerFile.test(importer))) return null
      const resolved = await this.resolve(source, importer.replace(SUFFIX, ''), { ...options, skipSelf: true })
      if (resolved === null || resolved.external !== false && resolved.external !== undefined) return resolved
      return shared.test(resolved.id) && !resolved.id.endsWith(SUFFIX) ? { ...resolved, id: resolved.id + SUFFIX } : resolved
    },
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((c) => c.type === 'chunk')
      const entry = chunks.find((c) => c.facadeModuleId?.endsWith('/src/background/index.ts') === true)
      if (entry === undefined) return this.error('expected a chunk for src/background/index.ts; did @crxjs/vite-plugin change?')
      const graph = new Set<string>()
      const visit = (fileName: string): void => {
        if (graph.has(fileName)) return
        graph.add(fileName)
        const chunk = bundle[fileName]
        if (chunk?.type === 'chunk') chunk.imports.forEach(visit)
      }
      visit(entry.fileName)
      for (const fileName of graph) {
        const chunk = bundle[fileName]
        const pageCopy = chunk?.type === 'chunk' ? chunk.moduleIds.find((id) => shared.test(id) && !id.endsWith(SUFFIX)) : undefined
        if (pageCopy !== undefined) this.error(`the worker's graph holds the pages' copy of ${pageCopy} (in ${fileName})`)
      }
    },
  }
}

const shim = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

/**
 * readable-stream's Readable requires its StringDecoder and its async iterator lazily, on paths the worker
 * never takes (the shim says why); those two requires get a stand-in that throws if ever reached.
 */
function readableStreamUnreached(): Plugin {
  const readable = /[\\/]readable-stream[\\/]lib[\\/]_stream_readable\.js$/
  const unreached = new Set(['string_decoder/', './internal/streams/async_iterator'])
  let seen = 0
  return {
    name: 'trickle:readable-stream-unreached',
    apply: 'build',
    enforce: 'pre',
    buildStart() { seen = 0 },
    resolveId(source, importer) {
      if (importer === undefined || !readable.test(importer.replace(/\?.*$/, '')) || !unreached.has(source)) return null
      seen++
      return shim('./src/background/platform/shims/readable-stream-unreached.cjs')
    },
    buildEnd(error) {
      // Both requires, in the worker's build (the pages' builds have no readable-stream at all).
      if (error === undefined && seen > 0 && seen < unreached.size) this.error(`expected readable-stream to require ${[...unreached].join(' and ')}; did it change?`)
    },
  }
}

/** The Duplex that stream-browserify gives: its own readable-stream (3.x), wherever npm put that copy. */
const streamBrowserify = createRequire(import.meta.url).resolve('stream-browserify')
const readableDuplex = createRequire(streamBrowserify).resolve('readable-stream/lib/_stream_duplex.js')

/** `TRICKLE_TARGET=firefox vite build` builds for Firefox; the differences live in build/targets.ts. */
const target = targetFrom(process.env)

export default defineConfig({
  plugins: [workerOwnSharedCode(), readableStreamUnreached(), windowCryptoToGlobalThis(), noRawHtml(), preact(), locales(), crx({ manifest: manifestFor(target), browser: target === 'firefox' ? 'firefox' : 'chrome' }), pageScriptPrivacy()],
  resolve: {
    // Node built-ins the ILP libraries require, mapped to browser packages. `crypto` is deliberately
    // not aliased: the libraries' own `browser` fields map it to Web Crypto.
    alias: {
      // `stream` as the worker uses it: readable-stream's Duplex only (the shim says why).
      stream: shim('./src/background/platform/shims/stream.cjs'),
      'trickle-readable-duplex': readableDuplex,
      events: 'events',
      buffer: 'buffer',
      assert: shim('./src/background/platform/shims/assert.cjs'),
      // Loggers that are always off in an extension (the shim says why): not shipped.
      debug: shim('./src/background/platform/shims/debug.cjs'),
      // ilp-plugin-btp's emitter, as the subset of Node's `events` that it calls (the shim says why).
      eventemitter2: shim('./src/background/platform/shims/eventemitter2.cjs'),
      // The one date mask btp-packet formats, and ilp-protocol-stream's one uuid.v4() (the shims say why).
      dateformat: shim('./src/background/platform/shims/dateformat.cjs'),
      uuid: shim('./src/background/platform/shims/uuid.cjs'),
    },
  },
  build: {
    target: 'es2022',
    // Store packages (`npm run zip`) carry no source maps; the source archive stands in for them.
    sourcemap: process.env.TRICKLE_RELEASE !== '1',
    emptyOutDir: true,
    // TRICKLE_OUT_DIR: build elsewhere (the package test builds twice without touching dist/).
    outDir: process.env.TRICKLE_OUT_DIR ?? OUT_DIR[target],
    // Extension pages the manifest does not name.
    rollupOptions: { input: { tester: 'src/tester/index.html', events: 'src/events/index.html', history: 'src/history/index.html', welcome: 'src/welcome/index.html' } },
  },
})
