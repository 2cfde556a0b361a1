// Unit tests run outside a browser: messages come from the English fragments, as the CLI's do.
// The folder is named from the working directory: under happy-dom, import.meta.url is not a file URL.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { readLocales } from '../../build/locales.ts'
import { useMessages } from '../../src/shared/i18n.ts'

useMessages(readLocales(pathToFileURL(`${resolve('src/locales')}/`)).get('en') ?? null)
