/**
 * What rendering produces: the ordered "send operations" of one reply, in our own names.
 * The Chat2Desk adapter (`shared/adapters/chat2desk/messages-client.ts`) turns them into wire bodies.
 */

/** A button whose label is sent back as the client's answer. */
export interface ReplyButton {
  text: string;
  payload?: string;
}

/** A button that opens a link. */
export interface UrlButton {
  text: string;
  url: string;
}

export interface OutgoingFile {
  url: string;
  filename?: string;
  /** `attachment` (images are shown as images by Chat2Desk) or Chat2Desk's dedicated `pdf` field. */
  format: 'attachment' | 'pdf';
  image: boolean;
}

/** One message to the client: text and/or a file, with buttons on it. */
export interface MessageOperation {
  kind: 'message';
  text?: string;
  file?: OutgoingFile;
  replyButtons?: ReplyButton[];
  urlButtons?: UrlButton[];
  /** Sent only when the hand-over check before it found nobody online (a transfer's `offlineText`). */
  onlyWhen?: 'offline';
  /** `false`: a closed dialog stays closed (a hand-over's return text after the humans closed it). */
  openDialog?: false;
}

/** Hand the conversation to a human: an operator, an operator group, or the deployment's default. */
export interface TransferOperation {
  kind: 'transfer';
  operatorId?: string;
  groupId?: string;
  /** Done only when the hand-over check before it found someone online. */
  onlyWhen?: 'online';
  /** What this hand-over leaves on the conversation for when the client and the bot meet again. */
  handoff?: HandoffOptions;
}

/** A transfer's options kept with the conversation while it is with the humans. */
export interface HandoffOptions {
  closePhrases?: string[];
  returnText?: string;
}

/** An internal note for the operators: never shown to the client. */
export interface NoteOperation {
  kind: 'note';
  text: string;
}

/** Is anyone online to take the hand-over (the transfer's target, else any operator)? */
export interface OnlineCheckOperation {
  kind: 'onlineCheck';
  operatorId?: string;
  groupId?: string;
}

/** Nobody was online: the agent hears `c2d: no operators online`. */
export interface OfflineEventOperation {
  kind: 'offlineEvent';
  onlyWhen: 'offline';
}

/** Close the client's current request. */
export interface CloseOperation {
  kind: 'close';
}

/** Tags by name or id on the current request or on the client. */
export interface TagsOperation {
  kind: 'tags';
  tags: string[];
  target: 'request' | 'client';
}

/** Changes to the client card. */
export interface ClientCardOperation {
  kind: 'clientCard';
  name?: string;
  comment?: string;
  customFields?: Record<string, string>;
}

export type SendOperation =
  | MessageOperation
  | TransferOperation
  | NoteOperation
  | OnlineCheckOperation
  | OfflineEventOperation
  | CloseOperation
  | TagsOperation
  | ClientCardOperation;
