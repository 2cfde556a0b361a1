/** Every extension page starts the same way: its language and title from the browser's i18n, then its root. */
import { render, type ComponentChild } from 'preact'
import { t, uiLocale, type MessageKey } from '../shared/i18n.ts'

export function mountPage(title: MessageKey, root: ComponentChild): void {
  document.documentElement.lang = uiLocale()
  document.title = t(title)
  const app = document.getElementById('app')
  if (app !== null) render(root, app)
}
