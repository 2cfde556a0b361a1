// Entry: wires only. Runs at document_start in every frame of web pages (manifest.json).
import { startReporter, type ReporterEnv } from './page-reporter.ts'

// The browser's own extension API (Firefox: `browser`, Chromium: `chrome`). webextension-polyfill is
// not loaded here: this script runs in every frame of every page, and only runtime.connect is used.
const api = (globalThis as { browser?: { runtime: ReporterEnv['runtime'] } }).browser ?? (globalThis as unknown as { chrome: { runtime: ReporterEnv['runtime'] } }).chrome

startReporter(new AbortController().signal, {
  runtime: api.runtime,
  document,
  window,
  now: Date.now,
  randomUUID: () => crypto.randomUUID(),
})
