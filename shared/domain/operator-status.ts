/** Pure: shared by the webhook's `operator_status_updated` and the account client's operator list. */
/**
 * An operator's status as Chat2Desk reports it in `GET /v1/operators` and `operator_status_updated`:
 * online only when `online` is 1 (number, string or boolean) and no `offline_type` is set
 * (reference §9 rows 4–5). Undefined when `online` is missing or unreadable: no guess.
 */
export function operatorStatusOf(wire: {
  online?: unknown;
  offline_type?: unknown;
}): { online: boolean; offlineType?: string } | undefined {
  const raw = typeof wire.online === 'string' ? wire.online.trim().toLowerCase() : wire.online;
  let online: boolean;
  if (raw === 1 || raw === '1' || raw === true || raw === 'true') online = true;
  else if (raw === 0 || raw === '0' || raw === false || raw === 'false') online = false;
  else return undefined;
  const offlineType =
    typeof wire.offline_type === 'string' && wire.offline_type.trim() !== ''
      ? wire.offline_type.trim()
      : typeof wire.offline_type === 'number'
        ? String(wire.offline_type)
        : undefined;
  return { online: online && offlineType === undefined, ...(offlineType ? { offlineType } : {}) };
}
