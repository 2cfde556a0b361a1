import { render } from 'preact'
import { EventView } from './events.tsx'

const app = document.getElementById('app')
if (app !== null) render(<EventView />, app)
