/** What the history page asks the worker: the ledger aggregated (shared/history.ts), settings, the overview. */
import type { HistoryDays, HistoryRange, SiteHistory, Statement } from '../shared/history.ts'
import type { Overview, SettingsView } from '../shared/messages.ts'
import type { Result } from '../shared/result.ts'
import type { SiteSettings } from '../shared/settings.ts'
import { ask } from '../ui/api.ts'


export const historyDays = (range: HistoryRange): Promise<Result<HistoryDays>> => ask('get-history-days', range)
export const statement = (range: HistoryRange): Promise<Result<Statement>> => ask('get-statement', range)
export const siteHistory = (site: string, range: HistoryRange): Promise<Result<SiteHistory>> => ask('get-site-history', { site, ...range })
export const settings = (): Promise<Result<SettingsView>> => ask('get-settings', null)
export const overview = (): Promise<Result<Overview>> => ask('get-overview', { tabId: null })
export const setSite = (site: string, rules: SiteSettings): Promise<Result<SettingsView>> => ask('set-site', { site, rules })
