import { render } from 'preact'
import { t, uiLocale } from '../shared/i18n.ts'
import { Welcome } from './welcome.tsx'

document.documentElement.lang = uiLocale()
document.title = t('welcome_title')
const app = document.getElementById('app')
if (app !== null) render(<Welcome />, app)
