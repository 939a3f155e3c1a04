/** Creates and activates one channel through the local stack's management route (benchmarks). */
export async function createActiveChannel(
  stackUrl: string,
  options: { agentId: string; name: string; apiUrl: string; token: string },
): Promise<string> {
  const response = await fetch(`${stackUrl}/management`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      action: 'create',
      agentId: options.agentId,
      channel: { name: options.name, apiUrl: options.apiUrl, token: options.token },
      activate: true,
    }),
  });
  const created = (await response.json()) as { ok: boolean; channel?: { id: string; status: string } };
  if (!created.ok || created.channel?.status !== 'active') {
    // The result never carries the token (masked): safe to show.
    throw new Error(`a bench channel did not activate: ${JSON.stringify(created)}`);
  }
  return created.channel.id;
}
