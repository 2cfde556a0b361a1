import { mountPage } from '../ui/mount.tsx'
import { EventView } from './events.tsx'

mountPage('events_pageTitle', <EventView />)
