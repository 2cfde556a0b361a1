import { render } from 'preact'
import { t, uiLocale } from '../shared/i18n.ts'
import { Popup } from './popup.tsx'

document.documentElement.lang = uiLocale()
document.title = t('extName')
const app = document.getElementById('app')
if (app !== null) render(<Popup />, app)
