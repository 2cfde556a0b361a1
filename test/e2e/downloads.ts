import type { Page } from 'playwright-core'

/**
 * Clicks an export button and returns the text of the Blob the page offers for download, once it has
 * (this launcher's context does not surface download events; the Blob is the file's exact bytes).
 */
export async function offeredFile(page: Page, button: string, timeout = 60_000): Promise<string> {
  await page.evaluate(() => {
    const w = window as unknown as { __exported?: Blob[]; __wrapped?: boolean }
    w.__exported = []
    if (w.__wrapped === true) return
    w.__wrapped = true
    const original = URL.createObjectURL.bind(URL)
    URL.createObjectURL = (b: Blob | MediaSource) => { if (b instanceof Blob) w.__exported?.push(b); return original(b) }
  })
  await page.getByRole('button', { name: button }).click()
  await page.waitForFunction(() => ((window as unknown as { __exported?: Blob[] }).__exported?.length ?? 0) > 0, undefined, { timeout })
  return page.evaluate(async () => {
    const blob = (window as unknown as { __exported?: Blob[] }).__exported?.[0]
    if (blob === undefined) throw new Error('no file was offered')
    return blob.text()
  })
}
