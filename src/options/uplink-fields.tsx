/**
 * The uplink part of the settings form: one address field that takes either kind (BTP's
 * `btp+wss://user:secret@host` or an ILP-over-HTTP `https://` endpoint), the kind it detected, and
 * for ILP over HTTP the bearer token (write-only: never filled back in), the peer name and the account
 * for peers that do not answer ILDCP. Nothing stored is ever shown here; the worker checks it all again.
 */
import { httpUplinkText, uplinkKind, type UplinkKind } from '../shared/settings.ts'
import { t } from '../shared/i18n.ts'

export interface UplinkForm { url: string; token: string; peerName: string; address: string; code: string; scale: string }

export const EMPTY_UPLINK_FORM: UplinkForm = { url: '', token: '', peerName: '', address: '', code: '', scale: '' }

/**
 * What "save" sends as the uplink: null keeps the stored one (the form is empty), else the uplink's
 * text. An HTTP endpoint is put together with its token and the rest (settings.ts: `httpUplinkText`);
 * a line that already holds them (`…#token=…`, as `npm run network` prints) is sent as it is.
 */
export function uplinkToSave(f: UplinkForm): { ok: true; value: string | null } | { ok: false; error: string } {
  const url = f.url.trim()
  if (url === '') return { ok: true, value: null }
  if (uplinkKind(url) !== 'http' || (url.includes('#') && f.token.trim() === '')) return { ok: true, value: url }
  return httpUplinkText({ endpoint: url, token: f.token, peerName: f.peerName, address: f.address, code: f.code, scale: f.scale })
}

export const kindName = (kind: UplinkKind): string => (kind === 'btp' ? t('options_kindNameBtp') : t('options_kindNameHttp'))

export function UplinkFields({ form, onChange }: { form: UplinkForm; onChange: (f: UplinkForm) => void }) {
  const kind = uplinkKind(form.url)
  const set = (field: keyof UplinkForm) => (e: { currentTarget: HTMLInputElement }): void => onChange({ ...form, [field]: e.currentTarget.value })
  return (
    <>
      <label for="uplink">
        {t('options_uplinkUrl')}
        <p class="hint" id="uplink-hint">{t('options_uplinkHintEither')}</p>
      </label>
      <input id="uplink" type="password" autocomplete="off" spellcheck={false} aria-describedby="uplink-hint uplink-kind"
        value={form.url} onInput={set('url')} />
      <p id="uplink-kind" class="hint" aria-live="polite">
        {form.url.trim() === '' ? '' : kind === null ? t('options_kindUnknown') : t('options_kindDetected', kindName(kind))}
      </p>
      {kind === 'http' && (
        <fieldset>
          <legend>{t('options_httpLegend')}</legend>
          <label for="http-token">
            {t('options_httpToken')}
            <p class="hint" id="http-token-hint">{t('options_httpTokenHint')}</p>
          </label>
          <input id="http-token" type="password" autocomplete="off" spellcheck={false} aria-describedby="http-token-hint"
            value={form.token} onInput={set('token')} />
          <label for="http-peer">
            {t('options_httpPeerName')}
            <p class="hint" id="http-peer-hint">{t('options_httpPeerNameHint')}</p>
          </label>
          <input id="http-peer" type="text" autocomplete="off" spellcheck={false} aria-describedby="http-peer-hint"
            value={form.peerName} onInput={set('peerName')} />
          <p class="hint" id="http-account-hint">{t('options_httpAccountHint')}</p>
          <label for="http-address">{t('options_httpAddress')}</label>
          <input id="http-address" type="text" autocomplete="off" spellcheck={false} aria-describedby="http-account-hint"
            value={form.address} onInput={set('address')} />
          <label for="http-code">{t('options_httpCode')}</label>
          <input id="http-code" type="text" autocomplete="off" spellcheck={false} aria-describedby="http-account-hint"
            value={form.code} onInput={set('code')} />
          <label for="http-scale">{t('options_httpScale')}</label>
          <input id="http-scale" type="text" inputMode="numeric" autocomplete="off" aria-describedby="http-account-hint"
            value={form.scale} onInput={set('scale')} />
        </fieldset>
      )}
    </>
  )
}
