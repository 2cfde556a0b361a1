// Entry: wires only. Runs at document_start in every frame of web pages (manifest.json).
import browser from 'webextension-polyfill'
import { startReporter } from './page-reporter.ts'

startReporter(new AbortController().signal, {
  browser,
  document,
  window,
  now: Date.now,
  randomUUID: () => crypto.randomUUID(),
})
