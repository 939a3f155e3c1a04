/**
 * What each Chat2Desk transport can show, in ONE table: the longest text part, whether the seed's
 * markdown is rendered, and whether buttons are shown.
 *
 * Chat2Desk documents none of this (reference §4.3, §6: "not documented"); the figures are the
 * messengers' own limits, measured like they measure them (UTF-16 code units, as JavaScript's
 * `string.length`). Anything not listed gets the conservative default. See docs/OUTBOUND.md.
 */

export interface TransportProfile {
  /** Longest text of one message, in UTF-16 code units. */
  maxTextLength: number;
  /** The seed's markdown subset is shown as formatting (only Chat2Desk's own web widget does). */
  markdown: boolean;
  /** Keyboard / inline buttons are shown; otherwise a numbered list is appended to the text. */
  buttons: boolean;
}

/** Unknown transports (and a reply whose transport is not known): short, plain, buttons as text. */
export const DEFAULT_PROFILE: TransportProfile = { maxTextLength: 1000, markdown: false, buttons: false };

const MESSENGER_4096: TransportProfile = { maxTextLength: 4096, markdown: false, buttons: true };

/** Exact transport names. */
const EXACT: Record<string, TransportProfile> = {
  widget: { maxTextLength: 4096, markdown: true, buttons: true },
  telegram: MESSENGER_4096,
  whatsapp: MESSENGER_4096,
  vkontakte: MESSENGER_4096,
  vk: MESSENGER_4096,
  facebook: { maxTextLength: 2000, markdown: false, buttons: true },
  sms: { maxTextLength: 1000, markdown: false, buttons: false },
  email: { maxTextLength: 1000, markdown: false, buttons: false },
};

/** Families of transports named by prefix (wa_dialog, wa_cm, viber_public, ...). */
const PREFIXES: Array<[string, TransportProfile]> = [
  ['wa_', MESSENGER_4096],
  ['viber', { maxTextLength: 7000, markdown: false, buttons: true }],
];

export function transportProfile(transport: string | undefined): TransportProfile {
  if (!transport) return DEFAULT_PROFILE;
  const name = transport.trim().toLowerCase();
  const exact = EXACT[name];
  if (exact) return exact;
  for (const [prefix, profile] of PREFIXES) if (name.startsWith(prefix)) return profile;
  return DEFAULT_PROFILE;
}
