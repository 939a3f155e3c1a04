/**
 * Buttons shown as a numbered list (transports without buttons: sms, email, unknown ones). Pure: no
 * I/O, no clock.
 *
 * When the bot's last message in a conversation shows its buttons as `1. Yes` / `2. No`, the
 * client's answer `2`, or a label typed back (`no`, `  NO `), reaches the agent as the button would
 * have on a transport with buttons: its `payload`, else its label. The offer is kept on the
 * conversation with the event time of the client message the bot was answering; it ends at the
 * bot's next answer (replaced or removed by the worker) and at any transition stamped after it (a
 * human's message, a transfer, a close). See docs/OUTBOUND.md "Answers to a numbered list".
 */
import type { Reply } from '../domain/reply';
import { transportProfile } from '../outbound/render/transport-profiles';

/** A button shown as `<number>. <label>` that sends something back (url buttons only open a link). */
export interface OfferedButton {
  number: number;
  label: string;
  payload?: string;
}

export interface ButtonOffer {
  /** Event time of the client message whose answer showed the list (the conversation's clock). */
  atMs: number;
  buttons: OfferedButton[];
}

/**
 * The offer the bot's `replies` leave open on `transport`: the buttons of the last reply when it is
 * a text with buttons rendered as a numbered list; undefined otherwise (any later message of the
 * same answer ends the list's turn, as would the next answer).
 */
export function buttonOfferOf(
  replies: readonly Reply[],
  transport: string | undefined,
  atMs: number,
): ButtonOffer | undefined {
  const last = replies.at(-1);
  if (last?.type !== 'text' || !last.buttons?.length) return undefined;
  if (transportProfile(transport).buttons) return undefined;
  const buttons: OfferedButton[] = [];
  // Numbered as `numberedButtonList` numbers them: every button, url buttons included.
  last.buttons.forEach((b, i) => {
    if (b.url) return;
    buttons.push(
      b.payload !== undefined
        ? { number: i + 1, label: b.text, payload: b.payload }
        : { number: i + 1, label: b.text },
    );
  });
  return buttons.length > 0 ? { atMs, buttons } : undefined;
}

/** The offer if it still stands: nothing moved the conversation (human, transfer, close) after it. */
export function openOffer(
  offer: ButtonOffer | undefined,
  status: { atMs: number } | undefined,
): ButtonOffer | undefined {
  if (!offer) return undefined;
  if (status && status.atMs > offer.atMs) return undefined;
  return offer;
}

const NUMBER = /^(\d{1,3})[.)]?$/;

function normalised(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase();
}

/**
 * What the client's `text` says to the agent given the open `offer`: the chosen button's payload
 * (else its label) when the text is one of the numbers shown or a label (case and spacing
 * ignored); undefined when it is ordinary text.
 */
export function chosenButton(text: string, offer: ButtonOffer | undefined): string | undefined {
  if (!offer) return undefined;
  const said = normalised(text);
  if (said === '') return undefined;
  const number = NUMBER.exec(said);
  // A number shown wins; a label that happens to be a number (`10`) is still found by its label.
  const chosen =
    (number && offer.buttons.find((b) => b.number === Number(number[1]))) ||
    offer.buttons.find((b) => normalised(b.label) === said);
  if (!chosen) return undefined;
  return chosen.payload ?? chosen.label;
}
