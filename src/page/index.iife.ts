// Entry of the page script: runs in the page's main world at document_start (manifest.json), before
// the page's own scripts, as a manifest content script so that a strict page CSP cannot block it.
import { installWebMonetization } from './web-monetization.ts'

installWebMonetization(window)
