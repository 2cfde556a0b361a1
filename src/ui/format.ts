import { formatAmount, fromJson, type AmountJson } from '../shared/money.ts'

export const showAmount = (a: AmountJson | null): string => (a === null ? '—' : formatAmount(fromJson(a)))
