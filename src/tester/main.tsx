import { render } from 'preact'
import { Tester } from './tester.tsx'

const app = document.getElementById('app')
if (app !== null) render(<Tester />, app)
