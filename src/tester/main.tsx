import { render } from 'preact'
import { t, uiLocale } from '../shared/i18n.ts'
import { Tester } from './tester.tsx'

document.documentElement.lang = uiLocale()
document.title = t('tester_pageTitle')
const app = document.getElementById('app')
if (app !== null) render(<Tester />, app)
