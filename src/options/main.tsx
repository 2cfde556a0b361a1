import { mountPage } from '../ui/mount.tsx'
import { Options } from './options.tsx'

mountPage('options_title', <Options />)
