/**
 * Chat2Desk wire shapes of the hand-off calls (reference §5.1, §5.4, §5.5, §6, §9 rows 5–6):
 * operator groups, tags, the client card, comments. Tolerant: unknown fields pass, ids may be
 * numbers or strings.
 */
import * as z from 'zod/mini';
import { c2dIdSchema } from '../../domain/ids';
import '../../zod-en';

/** `GET /v1/operators_groups` item. */
export const wireOperatorGroupSchema = z.looseObject({
  id: c2dIdSchema,
  name: z.nullish(z.string()),
  operator_ids: z.nullish(z.array(c2dIdSchema)),
});
export const wireOperatorGroupListSchema = z.array(wireOperatorGroupSchema);

/** `GET /v1/tags` item; the name is `label` in a client's `tags[]`, `name` in some accounts. */
export const wireTagSchema = z.looseObject({
  id: c2dIdSchema,
  label: z.nullish(z.string()),
  name: z.nullish(z.string()),
});
export const wireTagListSchema = z.array(wireTagSchema);

/** `POST /v1/messages` body of an internal note (`type: "comment"`). */
export interface WireCommentBody {
  client_id: number | string;
  type: 'comment';
  text: string;
  /** A comment must never reopen a closed dialog (reference §9 row 7). */
  open_dialog: false;
  operator_id?: number | string;
  external_id?: string;
}

/** `POST /v1/tags/assign_to` body. */
export interface WireAssignTagsBody {
  tag_ids: (number | string)[];
  assignee_type: 'request' | 'client';
  assignee_id: number | string;
}

/** `PUT /v1/clients/{id}` body. */
export interface WireUpdateClientBody {
  name?: string;
  comment?: string;
  custom_fields?: Record<string, string>;
}
