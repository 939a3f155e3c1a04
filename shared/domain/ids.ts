import * as z from 'zod/mini';
import '../zod-en';

/**
 * Chat2Desk ids are positive integers in practice but sometimes arrive as strings. We accept both
 * and keep them as strings (never lose precision, compare by value). This is the one place that
 * decides how an id from Chat2Desk is read.
 */
export const c2dIdSchema = z.union([
  z.pipe(
    z.number().check(z.int(), z.nonnegative()),
    z.transform((n: number) => String(n)),
  ),
  z.pipe(
    z.string().check(z.trim(), z.regex(/^\d{1,20}$/, 'must be a numeric id')),
    z.transform((s: string) => String(BigInt(s))),
  ),
]);

/** An id that may also be null or empty ("" is how Chat2Desk sometimes says "none"). */
export const optionalC2dIdSchema = z.pipe(
  z.optional(z.union([c2dIdSchema, z.null(), z.literal('')])),
  z.transform((v: string | null | undefined) => (v === '' || v === null ? undefined : v)),
);

export type C2dId = z.output<typeof c2dIdSchema>;
