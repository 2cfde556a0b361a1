import { render } from 'preact'
import { t, uiLocale } from '../shared/i18n.ts'
import { EventView } from './events.tsx'

document.documentElement.lang = uiLocale()
document.title = t('events_pageTitle')
const app = document.getElementById('app')
if (app !== null) render(<EventView />, app)
