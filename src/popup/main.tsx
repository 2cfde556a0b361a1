import { mountPage } from '../ui/mount.tsx'
import { Popup } from './popup.tsx'

mountPage('extName', <Popup />)
