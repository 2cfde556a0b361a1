import { execFile } from 'node:child_process'
import { firefoxPath } from '../firefox/browser.ts'
import { chromiumPath } from '../sandbox/browser.ts'

export function chromiumVersion(): Promise<string> {
  return new Promise((resolve) => {
    execFile(chromiumPath(), ['--version'], (err, stdout) => resolve(err === null ? stdout.trim() : 'Chromium (version unknown)'))
  })
}

export function firefoxVersion(): Promise<string> {
  return new Promise((resolve) => {
    execFile(firefoxPath(), ['--version'], (err, stdout) => resolve(err === null ? stdout.trim() : 'Firefox (version unknown)'))
  })
}
