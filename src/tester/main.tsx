import { mountPage } from '../ui/mount.tsx'
import { Tester } from './tester.tsx'

mountPage('tester_pageTitle', <Tester />)
