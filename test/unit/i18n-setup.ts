// Unit tests run outside a browser: messages come from the English fragments, as the CLI's do.
import { readLocales } from '../../build/locales.ts'
import { useMessages } from '../../src/shared/i18n.ts'

useMessages(readLocales().get('en') ?? null)
