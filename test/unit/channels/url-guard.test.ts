import {
  blockedAddressReason,
  checkUrlSyntax,
  createUrlGuard,
  type HostLookup,
  ipv6ToBigInt,
} from '../../../shared/adapters/http/url-guard';

describe('blockedAddressReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.20.30.40', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (IPv4-mapped)'],
    ['::ffff:7f00:1', 'loopback (IPv4-mapped)'],
    ['::ffff:10.0.0.1', 'private (IPv4-mapped)'],
    ['64:ff9b::a9fe:a9fe', 'link-local (NAT64)'],
    ['2002:c0a8:0101::1', 'private (6to4)'],
  ])('%s is %s', (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });

  it.each([
    '8.8.8.8',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ])('%s is public', (address) => {
    expect(blockedAddressReason(address)).toBeUndefined();
  });

  it('refuses what is not an IP address', () => {
    expect(blockedAddressReason('example.com')).toBe('not an IP address');
    expect(blockedAddressReason('1.2.3.256')).toBe('not an IP address');
  });

  it('parses IPv6 forms', () => {
    expect(ipv6ToBigInt('::1')).toBe(1n);
    expect(ipv6ToBigInt('1:2:3:4:5:6:7:8')).toBe(0x00010002000300040005000600070008n);
    expect(ipv6ToBigInt('1::2::3')).toBeUndefined();
    expect(ipv6ToBigInt('1:2:3:4:5:6:7:8:9')).toBeUndefined();
  });
});

describe('checkUrlSyntax', () => {
  it.each([
    ['http://api.chat2desk.com', 'must use https'],
    ['ftp://api.chat2desk.com', 'must use https'],
    ['https://user:pw@api.chat2desk.com', 'must not contain a user name or password'],
    ['https://127.0.0.1', 'points to a loopback address'],
    ['https://[::1]', 'points to a loopback address'],
    ['https://localhost', 'must be a public host name'],
    ['https://intranet', 'must be a public host name'],
    ['nonsense', 'is not a valid URL'],
  ])('%s: %s', (url, reason) => {
    expect(checkUrlSyntax(url, false)).toEqual({ ok: false, reason });
  });

  it('allows http and loopback in local mode', () => {
    expect(checkUrlSyntax('http://127.0.0.1:4000/sandbox', true).ok).toBe(true);
  });

  it('allows a public https URL', () => {
    expect(checkUrlSyntax('https://api.chat2desk.com', false).ok).toBe(true);
  });
});

describe('createUrlGuard', () => {
  const lookup: HostLookup = async (host) => {
    if (host === 'rebind.example.test')
      return [
        { address: '93.184.216.34', family: 4 },
        { address: '::1', family: 6 },
      ];
    if (host === 'nx.example.test') throw new Error('ENOTFOUND');
    return [{ address: '93.184.216.34', family: 4 }];
  };
  const guard = createUrlGuard({ localMode: false, lookup });

  it('refuses a host when any of its addresses is internal', async () => {
    expect(await guard.check('https://rebind.example.test')).toEqual({
      ok: false,
      kind: 'forbidden',
      reason: 'resolves to a loopback address',
    });
  });

  it('reports a host that does not resolve as unresolvable, not forbidden', async () => {
    expect(await guard.check('https://nx.example.test')).toMatchObject({ ok: false, kind: 'unresolvable' });
  });

  it('accepts a public host', async () => {
    expect((await guard.check('https://api.chat2desk.com')).ok).toBe(true);
  });

  it('does not look anything up in local mode', async () => {
    const local = createUrlGuard({
      localMode: true,
      lookup: async () => {
        throw new Error('no lookup expected');
      },
    });
    expect((await local.check('http://127.0.0.1:1234/sandbox')).ok).toBe(true);
  });
});
