import { execFile } from 'node:child_process'
import { chromiumPath } from '../sandbox/browser.ts'

export function chromiumVersion(): Promise<string> {
  return new Promise((resolve) => {
    execFile(chromiumPath(), ['--version'], (err, stdout) => resolve(err === null ? stdout.trim() : 'Chromium (version unknown)'))
  })
}
