// The two kinds of uplink in settings: which kind a text is, the checks each gets, the stored form of an
// ILP-over-HTTP uplink, and that its token is never shown, exported or kept in a quarantined copy.
import { describe, expect, it } from 'vitest'
import { redactedSettingsCopy } from '../../src/background/platform/settings-store.ts'
import { EMPTY_UPLINK_FORM, uplinkToSave, type UplinkForm } from '../../src/options/uplink-fields.tsx'
import {
  DEFAULT_SETTINGS, exportSettings, httpUplinkText, migrateSettings, redactUplink, toPublic, uplinkKind, validateUplink, type HttpUplinkInput,
} from '../../src/shared/settings.ts'

const input = (more: Partial<HttpUplinkInput> = {}): HttpUplinkInput =>
  ({ endpoint: 'https://rafiki.example/ilp', token: 'tok:en/+=%41&x', peerName: '', address: '', code: '', scale: '', ...more })

function httpText(more: Partial<HttpUplinkInput> = {}): string {
  const r = httpUplinkText(input(more))
  if (!r.ok) throw new Error(r.error)
  return r.value
}

describe('uplink kinds', () => {
  it.each([
    ['btp+wss://a:b@w.example', 'btp'], ['BTP+WS://:t@127.0.0.1:1', 'btp'], ['https://rafiki.example/ilp', 'http'],
    ['http://127.0.0.1:8080', 'http'], ['wss://w.example', null], ['rafiki.example', null],
  ])('%s is %s', (text, kind) => { expect(uplinkKind(text)).toBe(kind) })

  it('keeps the token exactly, whatever characters it holds, and learns the rest', () => {
    const parsed = validateUplink(httpText({ peerName: 'alice', address: 'g.rafiki.alice', code: 'EUR', scale: '2' }))
    expect(parsed).toEqual({
      ok: true,
      value: {
        kind: 'http', url: expect.any(String) as unknown, host: 'rafiki.example', secure: true, endpoint: 'https://rafiki.example/ilp',
        token: 'tok:en/+=%41&x', peerName: 'alice', account: { address: 'g.rafiki.alice', asset: { code: 'EUR', scale: 2 } },
      },
    })
  })

  it('stores one canonical text per uplink (the worker compares them)', () => {
    const text = httpText({ peerName: 'p' })
    const again = validateUplink(text)
    expect(again.ok && again.value.url).toBe(text)
  })

  it.each([
    [{ endpoint: 'http://rafiki.example/ilp' }, /only for localhost/],
    [{ token: '' }, /needs the bearer token/],
    [{ token: 'has space' }, /visible ASCII/],
    [{ peerName: 'two words' }, /peer name/],
    [{ address: 'g.alice' }, /asset code/],
    [{ address: 'alice', code: 'USD', scale: '2' }, /RFC 0015/],
    [{ address: 'g.alice', code: 'X'.repeat(17), scale: '2' }, /1 to 16/],
    [{ address: 'g.alice', code: 'USD', scale: '256' }, /0 to 255/],
    [{ address: 'g.alice', code: 'USD', scale: '1.5' }, /0 to 255/],
    [{ endpoint: 'https://u:p@rafiki.example/ilp' }, /token field/],
    [{ endpoint: 'https://rafiki.example/ilp#x' }, /# part/],
    [{ endpoint: 'not a url' }, /not a valid URL/],
  ])('refuses %j, saying why', (more, why) => {
    const r = httpUplinkText(input(more))
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toMatch(why)
  })

  it('allows plain http:// on loopback only, as plain ws:// for BTP', () => {
    expect(httpUplinkText(input({ endpoint: 'http://127.0.0.1:7772/' })).ok).toBe(true)
    expect(httpUplinkText(input({ endpoint: 'http://localhost:7772/' })).ok).toBe(true)
    expect(validateUplink('http://wallet.example/#token=t').ok).toBe(false)
    expect(validateUplink('https://wallet.example/#token=t&other=1').ok).toBe(false)
  })

  it('never shows, exports or quarantines the token: kind and host only', () => {
    const text = httpText()
    expect(redactUplink(text)).toBe('https://rafiki.example')
    const settings = { ...DEFAULT_SETTINGS, uplinkUrl: text }
    for (const shown of [toPublic(settings), exportSettings(settings), redactedSettingsCopy(settings), redactedSettingsCopy({ ...settings, other: text })]) {
      expect(JSON.stringify(shown)).not.toContain('tok')
    }
    expect(toPublic(settings).uplink).toEqual({ display: 'https://rafiki.example' })
  })

  it('keeps a stored BTP uplink of an earlier version as it was, and an HTTP one as well', () => {
    expect(migrateSettings({ version: 1, uplinkUrl: 'btp+ws://:t@127.0.0.1:1' }).uplinkUrl).toBe('btp+ws://:t@127.0.0.1:1')
    expect(migrateSettings({ version: 2, uplinkUrl: 'btp+wss://a:s@w.example' }).uplinkUrl).toBe('btp+wss://a:s@w.example')
    const text = httpText()
    expect(migrateSettings({ ...DEFAULT_SETTINGS, uplinkUrl: text }).uplinkUrl).toBe(text)
    expect(migrateSettings({ ...DEFAULT_SETTINGS, uplinkUrl: 'https://rafiki.example/ilp' }).uplinkUrl).toBeNull()
  })
})

describe('the options page\'s uplink form', () => {
  const form = (more: Partial<UplinkForm>): UplinkForm => ({ ...EMPTY_UPLINK_FORM, ...more })

  it('keeps the stored uplink when the field is empty, and sends a BTP URL as typed', () => {
    expect(uplinkToSave(form({ token: 'ignored' }))).toEqual({ ok: true, value: null })
    expect(uplinkToSave(form({ url: ' btp+wss://a:s@w.example ' }))).toEqual({ ok: true, value: 'btp+wss://a:s@w.example' })
  })

  it('puts an HTTP endpoint together with its token, peer name and account, as the worker stores it', () => {
    const r = uplinkToSave(form({ url: 'https://rafiki.example/ilp', token: 't0k', peerName: 'me', address: 'g.r.me', code: 'EUR', scale: '2' }))
    expect(r.ok).toBe(true)
    const parsed = validateUplink(r.ok ? r.value ?? '' : '')
    expect(parsed.ok && parsed.value).toMatchObject({ kind: 'http', endpoint: 'https://rafiki.example/ilp', token: 't0k', peerName: 'me', account: { address: 'g.r.me', asset: { code: 'EUR', scale: 2 } } })
  })

  it('takes the one-line form `npm run network` prints, and says what is missing otherwise', () => {
    expect(uplinkToSave(form({ url: 'http://127.0.0.1:7772/#token=sandbox-http-token' }))).toEqual({ ok: true, value: 'http://127.0.0.1:7772/#token=sandbox-http-token' })
    const r = uplinkToSave(form({ url: 'https://rafiki.example/ilp' }))
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toMatch(/needs the bearer token/)
  })
})
