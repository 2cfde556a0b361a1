import { render } from 'preact'
import { t, uiLocale } from '../shared/i18n.ts'
import { Options } from './options.tsx'

document.documentElement.lang = uiLocale()
document.title = t('options_title')
const app = document.getElementById('app')
if (app !== null) render(<Options />, app)
