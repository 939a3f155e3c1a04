/** Recognising our own echoes: digests that survive what Chat2Desk does to a text, ids, the window. */
import { contentDigest, ECHO_MATCH_WINDOW_MS, intentMatches } from '../../../shared/conversations/echoes';
import { isOurExternalId, ownExternalId } from '../../../shared/conversations/own-external-id';

describe('echo recognition', () => {
  test('the digest of a text is the same for the body we send and its echo with HTML and spacing', () => {
    const sent = contentDigest({ text: 'Hello,  dear\nclient & co' });
    expect(contentDigest({ text: '<p>Hello, dear<br>client &amp; co</p>' })).toBe(sent);
    expect(contentDigest({ text: 'Hello, dear client & co ' })).toBe(sent);
    expect(contentDigest({ text: 'Hello, other client' })).not.toBe(sent);
  });

  test('a file without text is known by its URL; nothing to show has no digest', () => {
    const file = contentDigest({ fileUrl: 'https://files.example.com/a.png' });
    expect(file).toBe(contentDigest({ text: '', fileUrl: ' https://files.example.com/a.png ' }));
    expect(file).not.toBe(contentDigest({ fileUrl: 'https://files.example.com/b.png' }));
    expect(contentDigest({ text: 'caption', fileUrl: 'https://files.example.com/a.png' })).toBe(
      contentDigest({ text: 'caption' }),
    );
    expect(contentDigest({})).toBeUndefined();
    expect(contentDigest({ text: '  <br> ' })).toBeUndefined();
  });

  const KEY = 'server-key-echoes';
  const ours = (part: string, channelId = '28e5baa1-ch', key = KEY) => ownExternalId(key, channelId, part);
  test.each([
    [ours('28e5baa1-ch:inbox:100:0'), true],
    [ours('28e5baa1-ch:inbox:100:0#1'), true],
    [ours('send:4b1c2d3e:0'), true],
    // Made before the MAC: accepted for a transition period when it starts with our channel id.
    ['28e5baa1-ch:28e5baa1-ch:inbox:100:0', true],
    ['28e5baa1-ch:28e5baa1-ch:inbox:100:0#1', true],
    // A bare `send:` prefix, another channel's or another key's MAC, a changed part: not ours.
    ['send:4b1c2d3e:0', false],
    [ours('send:4b1c2d3e:0', 'other-ch'), false],
    [ours('send:4b1c2d3e:0', '28e5baa1-ch', 'another-key'), false],
    [ours('send:4b1c2d3e:0').replace('send:4b1c2d3e:0', 'send:4b1c2d3e:1'), false],
    [`28e5baa1-ch:x~${'A'.repeat(12)}`, false],
    ['other-ch:inbox:100:0', false],
    ['crm-4711', false],
    ['', false],
    [undefined, false],
  ])('external id %s is ours: %s', (externalId, expected) => {
    expect(isOurExternalId(KEY, '28e5baa1-ch', externalId)).toBe(expected);
  });

  test('our external ids stay short: the reply part plus 13 characters', () => {
    const part = 'send:4b1c2d3e-0000-4000-8000-000000000000:0#12';
    expect(ours(part)).toMatch(/^send:4b1c2d3e-0000-4000-8000-000000000000:0#12~[A-Za-z0-9_-]{12}$/);
  });

  test('an intent matches an echo within the window, either way', () => {
    const intent = { clientId: '1', digest: 'd', externalId: 'x', atMs: 1_000_000 };
    expect(intentMatches(intent, 1_000_000 + ECHO_MATCH_WINDOW_MS)).toBe(true);
    expect(intentMatches(intent, 1_000_000 - ECHO_MATCH_WINDOW_MS)).toBe(true);
    expect(intentMatches(intent, 1_000_000 + ECHO_MATCH_WINDOW_MS + 1)).toBe(false);
    expect(intentMatches(undefined, 1_000_000)).toBe(false);
  });
});
