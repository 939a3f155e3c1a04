/** Answers to buttons shown as a numbered list, row by row. Pure, no network. */
import {
  type ButtonOffer,
  buttonOfferOf,
  chosenButton,
  openOffer,
} from '../../../shared/conversations/button-offer';
import type { Reply } from '../../../shared/domain/reply';
import { numberedButtonList } from '../../../shared/outbound/render/render-reply';

const buttons = [
  { text: 'Yes', payload: 'LIKE_YES' },
  { text: 'Not  really' },
  { text: 'Our site', url: 'https://example.com/' },
  { text: '10' },
];
const buttonsReply: Reply = { type: 'text', text: 'Do you like it?', buttons };
const offer = buttonOfferOf([buttonsReply], 'sms', 1000)!;

describe('the answer to a numbered list', () => {
  it.each([
    ['1', 'LIKE_YES'], // a number shown, the button's payload
    [' 2 ', 'Not  really'], // no payload: its label as the agent gave it
    ['2.', 'Not  really'],
    ['yes', 'LIKE_YES'], // a label, other case
    ['  NOT really  ', 'Not  really'], // a label, other case and spacing
    ['4', '10'],
    ['10', '10'], // a label that is a number, not shown as a number
  ])('%p reaches the agent as %p', (text, expected) => {
    expect(chosenButton(text, offer)).toBe(expected);
  });

  it.each([
    ['3'], // a url button only opens its link: its number is ordinary text
    ['5'], // not a number shown
    ['0'],
    ['yes please'],
    ['Our site'],
    [''],
    ['1 2'],
  ])('%p is ordinary text', (text) => {
    expect(chosenButton(text, offer)).toBeUndefined();
  });

  it('is ordinary text when no list is open', () => {
    expect(chosenButton('1', undefined)).toBeUndefined();
  });

  it('numbers the buttons as the rendered list does', () => {
    const list = numberedButtonList(buttons);
    for (const b of offer.buttons) expect(list).toContain(`${b.number}. ${b.label}`);
  });
});

describe('the list a bot answer leaves open', () => {
  it('is the last reply’s buttons on a transport that shows a numbered list', () => {
    expect(buttonOfferOf([buttonsReply], 'sms', 1000)).toEqual<ButtonOffer>({
      atMs: 1000,
      buttons: [
        { number: 1, label: 'Yes', payload: 'LIKE_YES' },
        { number: 2, label: 'Not  really' },
        { number: 4, label: '10' },
      ],
    });
    expect(buttonOfferOf([buttonsReply], 'email', 1)).toBeDefined();
    expect(buttonOfferOf([buttonsReply], 'some_new_transport', 1)).toBeDefined();
    expect(buttonOfferOf([buttonsReply], undefined, 1)).toBeDefined();
  });

  it.each<[string, Reply[], string | undefined]>([
    ['a transport that shows buttons', [buttonsReply], 'telegram'],
    ['a later message of the same answer', [buttonsReply, { type: 'text', text: 'Anything else?' }], 'sms'],
    ['no buttons', [{ type: 'text', text: 'Hello' }], 'sms'],
    [
      'url buttons only',
      [{ type: 'text', text: 'See', buttons: [{ text: 'Site', url: 'https://e.com/' }] }],
      'sms',
    ],
    ['no replies', [], 'sms'],
  ])('is none after %s', (_name, replies, transport) => {
    expect(buttonOfferOf(replies, transport, 1)).toBeUndefined();
  });

  it('ends when the conversation moved after it (a human wrote, a transfer, a close)', () => {
    expect(openOffer(offer, undefined)).toBe(offer);
    expect(openOffer(offer, { atMs: 999 })).toBe(offer);
    expect(openOffer(offer, { atMs: 1001 })).toBeUndefined();
    expect(openOffer(undefined, undefined)).toBeUndefined();
  });
});
