import { describe, expect, it } from 'vitest'
import { addressSpaceOf, addressSpaceOfUrl, reachRefusal } from '../../src/shared/address-space.ts'

const space = (url: string): string | null => addressSpaceOfUrl(url)

describe('address spaces of hosts, as the URL parser normalises them', () => {
  it.each([
    ['http://127.0.0.1:8080/', 'loopback'], ['http://127.1/', 'loopback'], ['http://2130706433/', 'loopback'],
    ['http://0x7f.0.0.1/', 'loopback'], ['http://0.0.0.0/', 'loopback'], ['http://localhost/', 'loopback'],
    ['https://wallet.localhost/', 'loopback'], ['http://LOCALHOST./', 'loopback'], ['http://[::1]/', 'loopback'],
    ['http://[::]/', 'loopback'], ['http://[::ffff:127.0.0.1]/', 'loopback'], ['http://[0:0:0:0:0:ffff:7f00:1]/', 'loopback'],
    ['https://10.0.0.1/', 'private'], ['https://172.16.0.1/', 'private'], ['https://172.31.255.255/', 'private'],
    ['https://192.168.1.1/', 'private'], ['https://169.254.169.254/', 'private'], ['https://100.64.0.1/', 'private'],
    ['https://[fd00::1]/', 'private'], ['https://[fe80::1]/', 'private'], ['https://[::ffff:10.0.0.1]/', 'private'],
    ['https://[64:ff9b::192.168.0.1]/', 'private'], ['https://router/', 'private'], ['https://printer.local/', 'private'],
    ['https://nas.home.arpa/', 'private'], ['https://239.1.1.1/', 'private'],
    ['http://[2002:7f00:1::]/', 'loopback'], ['https://[2002:c0a8:101::1]/', 'private'], ['https://[::ffff:0:7f00:1]/', 'loopback'],
    ['https://[64:ff9b:1::a00:1]/', 'private'], ['https://[2001:0:4136:e378::1]/', 'private'], ['http://localhost../', 'loopback'],
    ['http://127.0.0.1../', 'loopback'], ['https://wallet..example/', 'private'], ['https://[2002:808:808::1]/', 'public'],
    ['https://172.32.0.1/', 'public'], ['https://8.8.8.8/', 'public'], ['https://100.128.0.1/', 'public'],
    ['https://[2001:db8::1]/', 'public'], ['https://[::ffff:8.8.8.8]/', 'public'], ['https://wallet.example/', 'public'],
    ['https://192.168.1.1.nip.io/', 'public'],
  ])('%s is %s', (url, expected) => {
    expect(space(url)).toBe(expected)
  })

  it('never calls a malformed IPv6 literal public', () => {
    expect(addressSpaceOf('[1:2:3:4:5:6:7:8:9]')).toBe('private')
    expect(addressSpaceOf('[::1::2]')).toBe('private')
  })
})

describe('which pages may have Trickle reach which receivers', () => {
  const publicPage = 'https://news.example/article'
  it('lets a public page reach public receivers only', () => {
    expect(reachRefusal('https://wallet.example/alice', [publicPage])).toBeNull()
    expect(reachRefusal('http://127.0.0.1:3000/alice', [publicPage])).toMatch(/own computer/)
    expect(reachRefusal('https://192.168.1.1/', [publicPage])).toMatch(/local network/)
    expect(reachRefusal('https://[::1]/x', [publicPage])).toMatch(/own computer/)
  })

  it('lets a page on this machine reach this machine (the sandbox) and the network', () => {
    expect(reachRefusal('http://127.0.0.1:3000/alice', ['http://127.0.0.1:8000/'])).toBeNull()
    expect(reachRefusal('http://localhost:3000/alice', ['http://127.0.0.1:8000/'])).toBeNull()
    expect(reachRefusal('https://10.0.0.1/', ['http://localhost:8000/'])).toBeNull()
  })

  it('lets a local-network page reach its network but not this machine', () => {
    expect(reachRefusal('https://10.0.0.2/pay', ['https://10.0.0.1/'])).toBeNull()
    expect(reachRefusal('http://127.0.0.1/pay', ['https://10.0.0.1/'])).toMatch(/own computer/)
  })

  it('lets the least private of a frame and its top document decide', () => {
    expect(reachRefusal('http://127.0.0.1:3000/a', ['http://127.0.0.1:8000/frame', publicPage])).toMatch(/own computer/)
    expect(reachRefusal('http://127.0.0.1:3000/a', ['http://127.0.0.1:8000/frame', 'http://localhost:8000/'])).toBeNull()
  })

  it('treats a page whose URL cannot be read as public', () => {
    expect(reachRefusal('http://127.0.0.1:3000/a', ['not a url'])).toMatch(/own computer/)
    expect(reachRefusal('http://127.0.0.1:3000/a', [])).toMatch(/own computer/)
  })
})
