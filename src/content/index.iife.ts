// Entry: wires only. Runs at document_start in every frame of web pages (manifest.json).
import { startReporter, type ReporterEnv } from './page-reporter.ts'

// The browser's own extension API (Firefox: `browser`, Chromium: `chrome`). webextension-polyfill is
// not loaded here: this script runs in every frame of every page, and only runtime.connect is used.
// Chosen by a real runtime id, not by a name alone: a page's `<div id="browser">` is a global too.
type Api = { runtime: ReporterEnv['runtime'] } | undefined
const named = globalThis as unknown as { chrome?: Api; browser?: Api }
const api = [named.chrome, named.browser].find((a) => typeof a?.runtime?.id === 'string')
if (api === undefined) throw new Error('Trickle: no extension runtime here')

startReporter(new AbortController().signal, {
  runtime: api.runtime,
  document,
  window,
  now: Date.now,
  randomUUID: () => crypto.randomUUID(),
})
