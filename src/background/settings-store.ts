/** Settings in browser.storage.local, migrated on read (shared/settings.ts holds the schema). */
import type { Storage } from 'webextension-polyfill'
import { DEFAULT_SETTINGS, migrateSettings, type Settings } from '../shared/settings.ts'

const KEY = 'settings'

export class SettingsStore {
  private cache: Settings = { ...DEFAULT_SETTINGS }

  constructor(private readonly area: Storage.StorageArea) {}

  get current(): Settings { return this.cache }

  async load(): Promise<Settings> {
    const stored: unknown = (await this.area.get(KEY))[KEY]
    this.cache = migrateSettings(stored)
    if (JSON.stringify(stored) !== JSON.stringify(this.cache)) await this.area.set({ [KEY]: this.cache })
    return this.cache
  }

  async save(next: Settings): Promise<void> {
    await this.area.set({ [KEY]: next })
    this.cache = next
  }
}
