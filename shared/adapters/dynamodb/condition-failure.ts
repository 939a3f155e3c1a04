/**
 * A conditional write DynamoDB refused, in one place for every store: whether an error is that
 * refusal, and what it carries back of the stored item (`ReturnValuesOnConditionCheckFailure`).
 */

export function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/**
 * A number attribute of an item: as the document client returns it (a number), or raw (`{ N }`),
 * as a condition failure carries the stored item (the document client does not unmarshal that one).
 */
export function numberAttribute(item: unknown, name: string): number | undefined {
  const value = item && typeof item === 'object' ? (item as Record<string, unknown>)[name] : undefined;
  const n =
    typeof value === 'number'
      ? value
      : value && typeof value === 'object' && typeof (value as { N?: unknown }).N === 'string'
        ? Number((value as { N: string }).N)
        : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The stored item a condition failure carries back (raw attribute values), if it asked for it. */
export function storedItemOf(err: unknown): unknown {
  return (err as { Item?: unknown }).Item;
}
