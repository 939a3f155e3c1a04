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
}

/** Hand the conversation to a human: an operator, an operator group, or the deployment's default. */
export interface TransferOperation {
  kind: 'transfer';
  operatorId?: string;
  groupId?: string;
}

export type SendOperation = MessageOperation | TransferOperation;
