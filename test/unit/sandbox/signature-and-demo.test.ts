/** Pure parts of the sandbox and the demo agent. */
import { createHash, createHmac } from 'node:crypto';
import { demoReplies, longText } from '../../../infra/local/demo-agent';
import { accountLabel } from '../../../infra/local/sandbox';
import { chat2deskSignature } from '../../../infra/local/sandbox/signature';
import { makeTestToken } from '../../support/tokens';

describe('chat2deskSignature', () => {
  it('is hex HMAC-SHA256 keyed with the md5 hex of the token over body + timestamp', () => {
    const token = makeTestToken();
    const body = '{"hook_type":"inbox","text":"привет"}';
    const key = createHash('md5').update(token).digest('hex');
    const expected = createHmac('sha256', key).update(`${body}1750000000`).digest('hex');
    expect(chat2deskSignature(token, body, '1750000000')).toBe(expected);
    expect(chat2deskSignature(token, Buffer.from(body), 1750000000)).toBe(expected);
    expect(chat2deskSignature(makeTestToken(), body, '1750000000')).not.toBe(expected);
  });
});

describe('accountLabel', () => {
  it('is short, stable and does not reveal the token', () => {
    const token = makeTestToken();
    expect(accountLabel(token)).toMatch(/^acct-[0-9a-f]{8}$/);
    expect(accountLabel(token)).toBe(accountLabel(token));
    expect(accountLabel(token)).not.toBe(accountLabel(makeTestToken()));
  });
});

describe('demo agent replies', () => {
  const base = {
    eventId: 'e',
    channel: { id: 'c', type: 'chat2desk' as const },
    chatId: '1|chat2desk',
    attachments: [],
    variables: {},
  };
  it('says nothing for the dialog-closed service message', () => {
    expect(demoReplies({ ...base, clientMessage: 'c2d: dialog closed' }, 'http://x/agent')).toEqual([]);
  });
  it('builds the image url from the base url', () => {
    expect(demoReplies({ ...base, clientMessage: '/image' }, 'http://h:1/agent')).toEqual([
      expect.objectContaining({ url: 'http://h:1/agent/static/demo.png' }),
    ]);
  });
  it('answers a location-only message', () => {
    expect(
      demoReplies(
        { ...base, clientMessage: '', location: { latitude: 1.5, longitude: 2 } },
        'http://x/agent',
      ),
    ).toEqual([{ type: 'text', text: 'You are at 1.5,2' }]);
  });
  it('makes a long text of exactly the asked length, in paragraphs', () => {
    const text = longText(5000);
    expect(text).toHaveLength(5000);
    expect(text.split('\n\n').length).toBeGreaterThan(5);
  });
});
