import { mountPage } from '../ui/mount.tsx'
import { Welcome } from './welcome.tsx'

mountPage('welcome_title', <Welcome />)
