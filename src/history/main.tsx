import { mountPage } from '../ui/mount.tsx'
import { History } from './history.tsx'

mountPage('history_title', <History />)
