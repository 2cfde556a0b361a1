/** The history page, on one site when given: its URL contract is `?site=<encodeURIComponent(origin)>`. */
export const historyPath = (site: string | null): string =>
  `/src/history/index.html${site === null ? '' : `?site=${encodeURIComponent(site)}`}`
