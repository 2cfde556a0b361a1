import { render } from 'preact'
import { t, uiLocale } from '../shared/i18n.ts'
import { History } from './history.tsx'

document.documentElement.lang = uiLocale()
document.title = t('history_title')
const app = document.getElementById('app')
if (app !== null) render(<History />, app)
