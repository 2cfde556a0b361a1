/** Offers text (or its parts, in order) as a file download: a Blob link on this page (no `downloads` permission needed). */
export function download(name: string, type: string, text: string | readonly string[]): void {
  const url = URL.createObjectURL(new Blob(typeof text === 'string' ? [text] : [...text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => { URL.revokeObjectURL(url) }, 10_000)
}
