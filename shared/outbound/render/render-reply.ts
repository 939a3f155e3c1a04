/**
 * Renders one agent reply for one transport into ordered send operations. Pure: no I/O, no clock.
 *
 * - text: the seed's markdown passes through for the web widget, becomes plain text elsewhere;
 *   long text is split per the transport's limit; buttons go on the last part, or become a
 *   numbered list in the text where the transport shows no buttons;
 * - file: an attachment (images as images) or a PDF; `asLink` sends the link in the text;
 * - transfer: its text (if any), its note, the online check (`whenOffline: "stay"`), then the transfer;
 * - close: its text (if any), then the close; tags and client: one call each.
 */
import type {
  ClientReply,
  CloseReply,
  FileReply,
  Reply,
  TagsReply,
  TextReply,
  TransferReply,
} from '../../domain/reply';
import { plainLink } from './markdown';
import type {
  HandoffOptions,
  MessageOperation,
  ReplyButton,
  SendOperation,
  TransferOperation,
  UrlButton,
} from './send-operations';
import { renderAndSplit } from './split-text';
import { type TransportProfile, transportProfile } from './transport-profiles';

const IMAGE_EXTENSIONS = /\.(jpe?g|png|gif|webp|bmp)$/i;
const PDF_EXTENSION = /\.pdf$/i;

function textParts(text: string, profile: TransportProfile): string[] {
  return renderAndSplit(text, { limit: profile.maxTextLength, markdown: profile.markdown });
}

function textMessages(text: string, profile: TransportProfile): MessageOperation[] {
  return textParts(text, profile).map((part) => ({ kind: 'message', text: part }));
}

/** Buttons shown as text: `1. Yes`, `2. [Our site](https://…)` (rendered like any other link). */
export function numberedButtonList(buttons: TextReply['buttons'] & object): string {
  return buttons
    .map(
      (b, i) =>
        `${i + 1}. ${b.url ? (/[[\]]/.test(b.text) ? plainLink(b.text, b.url) : `[${b.text}](${b.url})`) : b.text}`,
    )
    .join('\n');
}

function renderTextReply(reply: TextReply, profile: TransportProfile): SendOperation[] {
  const buttons = reply.buttons ?? [];
  if (buttons.length === 0) return textMessages(reply.text, profile);
  if (!profile.buttons) {
    const list = numberedButtonList(buttons);
    return textMessages(reply.text.trim().length > 0 ? `${reply.text}\n\n${list}` : list, profile);
  }
  const replyButtons: ReplyButton[] = [];
  const urlButtons: UrlButton[] = [];
  for (const b of buttons) {
    if (b.url) urlButtons.push({ text: b.text, url: b.url });
    else replyButtons.push(b.payload !== undefined ? { text: b.text, payload: b.payload } : { text: b.text });
  }
  const messages = textMessages(reply.text, profile);
  // A blank text still needs something for the buttons to hang on: their labels.
  const last = messages.at(-1) ?? { kind: 'message', text: buttons.map((b) => b.text).join(' / ') };
  if (messages.length === 0) messages.push(last);
  if (replyButtons.length > 0) last.replyButtons = replyButtons;
  if (urlButtons.length > 0) last.urlButtons = urlButtons;
  return messages;
}

/** The file name to show: the reply's name, else the last segment of the URL path. */
export function fileName(reply: FileReply): string | undefined {
  if (reply.name) return reply.name;
  try {
    const segment = new URL(reply.url).pathname.split('/').filter(Boolean).pop();
    return segment ? decodeURIComponent(segment) : undefined;
  } catch {
    return undefined;
  }
}

function renderFileReply(reply: FileReply, profile: TransportProfile): SendOperation[] {
  const name = fileName(reply);
  const path = (() => {
    try {
      return new URL(reply.url).pathname;
    } catch {
      return reply.url;
    }
  })();
  if (reply.asLink) {
    const label = reply.name && !/[[\]]/.test(reply.name) ? `[${reply.name}](${reply.url})` : reply.url;
    return textMessages(label, profile);
  }
  const mime = reply.mimeType?.toLowerCase();
  const isPdf =
    mime === 'application/pdf' || (!mime && (PDF_EXTENSION.test(path) || PDF_EXTENSION.test(name ?? '')));
  if (isPdf) {
    return [
      {
        kind: 'message',
        file: { url: reply.url, format: 'pdf', image: false, ...(name ? { filename: name } : {}) },
      },
    ];
  }
  const image = mime
    ? mime.startsWith('image/')
    : IMAGE_EXTENSIONS.test(path) || IMAGE_EXTENSIONS.test(name ?? '');
  return [
    {
      kind: 'message',
      file: { url: reply.url, format: 'attachment', image, ...(name ? { filename: name } : {}) },
    },
  ];
}

/**
 * text → note → (with `whenOffline: "stay"`: the online check → the offline text and the offline
 * event, or the hand-over, whichever the check decides) → the hand-over.
 */
function renderTransferReply(reply: TransferReply, profile: TransportProfile): SendOperation[] {
  const ops: SendOperation[] = reply.text ? textMessages(reply.text, profile) : [];
  if (reply.note) ops.push({ kind: 'note', text: reply.note });
  const target = {
    ...(reply.operatorId !== undefined ? { operatorId: reply.operatorId } : {}),
    ...(reply.groupId !== undefined ? { groupId: reply.groupId } : {}),
  };
  const transfer: TransferOperation = { kind: 'transfer', ...target };
  const handoff: HandoffOptions = {};
  if (reply.closePhrases && reply.closePhrases.length > 0) handoff.closePhrases = reply.closePhrases;
  if (reply.returnText) handoff.returnText = reply.returnText;
  if (Object.keys(handoff).length > 0) transfer.handoff = handoff;
  if (reply.whenOffline === 'stay') {
    ops.push({ kind: 'onlineCheck', ...target });
    if (reply.offlineText) {
      for (const message of textMessages(reply.offlineText, profile))
        ops.push({ ...message, onlyWhen: 'offline' });
    }
    ops.push({ kind: 'offlineEvent', onlyWhen: 'offline' });
    transfer.onlyWhen = 'online';
  }
  ops.push(transfer);
  return ops;
}

function renderCloseReply(reply: CloseReply, profile: TransportProfile): SendOperation[] {
  const ops: SendOperation[] = reply.text ? textMessages(reply.text, profile) : [];
  ops.push({ kind: 'close' });
  return ops;
}

function renderTagsReply(reply: TagsReply): SendOperation[] {
  return [{ kind: 'tags', tags: [...new Set(reply.tags)], target: reply.target ?? 'request' }];
}

function renderClientReply(reply: ClientReply): SendOperation[] {
  return [
    {
      kind: 'clientCard',
      ...(reply.name !== undefined ? { name: reply.name } : {}),
      ...(reply.comment !== undefined ? { comment: reply.comment } : {}),
      ...(reply.customFields !== undefined ? { customFields: { ...reply.customFields } } : {}),
    },
  ];
}

/** The ordered operations that deliver `reply` on `transport` (undefined: Chat2Desk's default). */
export function renderReply(reply: Reply, transport: string | undefined): SendOperation[] {
  const profile = transportProfile(transport);
  switch (reply.type) {
    case 'text':
      return renderTextReply(reply, profile);
    case 'file':
      return renderFileReply(reply, profile);
    case 'transfer':
      return renderTransferReply(reply, profile);
    case 'close':
      return renderCloseReply(reply, profile);
    case 'tags':
      return renderTagsReply(reply);
    case 'client':
      return renderClientReply(reply);
  }
}
