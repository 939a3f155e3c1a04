/** Recognising our own echoes: digests that survive what Chat2Desk does to a text, ids, the window. */
import { contentDigest, ECHO_MATCH_WINDOW_MS, intentMatches } from '../../../shared/conversations/echoes';
import { isOurExternalId } from '../../../shared/conversations/own-external-id';

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

  test.each([
    ['28e5baa1-ch:28e5baa1-ch:inbox:100:0', true],
    ['28e5baa1-ch:28e5baa1-ch:inbox:100:0#1', true],
    ['send:4b1c2d3e:0', true],
    ['other-ch:inbox:100:0', false],
    ['crm-4711', false],
    ['', false],
    [undefined, false],
  ])('external id %s is ours: %s', (externalId, ours) => {
    expect(isOurExternalId('28e5baa1-ch', externalId)).toBe(ours);
  });

  test('an intent matches an echo within the window, either way', () => {
    const intent = { clientId: '1', digest: 'd', externalId: 'x', atMs: 1_000_000 };
    expect(intentMatches(intent, 1_000_000 + ECHO_MATCH_WINDOW_MS)).toBe(true);
    expect(intentMatches(intent, 1_000_000 - ECHO_MATCH_WINDOW_MS)).toBe(true);
    expect(intentMatches(intent, 1_000_000 + ECHO_MATCH_WINDOW_MS + 1)).toBe(false);
    expect(intentMatches(undefined, 1_000_000)).toBe(false);
  });
});
