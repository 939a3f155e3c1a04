import { z } from 'zod';

/**
 * Chat2Desk ids are positive integers in practice but sometimes arrive as strings. We accept both
 * and keep them as strings (never lose precision, compare by value). This is the one place that
 * decides how an id from Chat2Desk is read.
 */
export const c2dIdSchema = z.union([
  z
    .number()
    .int()
    .nonnegative()
    .transform((n) => String(n)),
  z
    .string()
    .trim()
    .regex(/^\d{1,20}$/, 'must be a numeric id')
    .transform((s) => String(BigInt(s))),
]);

/** An id that may also be null or empty ("" is how Chat2Desk sometimes says "none"). */
export const optionalC2dIdSchema = z
  .union([c2dIdSchema, z.null(), z.literal('')])
  .optional()
  .transform((v) => (v === '' || v === null ? undefined : v));

export type C2dId = z.output<typeof c2dIdSchema>;
