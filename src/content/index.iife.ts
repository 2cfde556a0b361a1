// Entry: wires only. Runs at document_start in the top frame of web pages (manifest.json).
import browser from 'webextension-polyfill'
import { startReporter } from './page-reporter.ts'

startReporter(new AbortController().signal, {
  browser,
  document,
  window,
  now: Date.now,
  randomUUID: () => crypto.randomUUID(),
})
