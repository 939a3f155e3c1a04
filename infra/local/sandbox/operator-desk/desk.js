// The operator desk of the sandbox (docs/CONSOLE.md): a human operator's side of the account.
// Uses the sandbox API like Chat2Desk's own operator UI would, and the local stack's
// /local/bot-muted to show whether the connector keeps the bot silent in the dialog.

const POLL_MS = 700;
const $ = (id) => document.getElementById(id);
const state = { clients: [], operators: [], groups: [], selected: null, muted: null };

const token = () => $('token').value.trim();

async function call(method, path, body) {
  const response = await fetch(`/sandbox${path}`, {
    method,
    headers: { authorization: token(), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok || data.status === 'error') {
    throw new Error(data.message || data.error || `HTTP ${response.status}`);
  }
  return data;
}

function showError(err) {
  $('desk-error').textContent = err ? String(err.message || err) : '';
}

function operatorName(id) {
  const op = state.operators.find((o) => String(o.id) === String(id));
  return op ? `${op.first_name} ${op.last_name}` : `operator ${id}`;
}

function selectedClient() {
  return state.clients.find((c) => c.id === state.selected);
}

function renderDialogs() {
  const items = state.clients.map((c) =>
    el(
      'li',
      {},
      el(
        'button',
        {
          type: 'button',
          class: 'dialog',
          'data-client': c.id,
          'aria-pressed': String(c.id === state.selected),
          onclick: () => select(c.id),
        },
        `${c.name} (${c.id})`,
        el(
          'span',
          { class: 'sub' },
          `${c.transport} · ${c.dialogState} · ${c.operatorId ? operatorName(c.operatorId) : 'general queue'}`,
        ),
      ),
    ),
  );
  $('dialogs').replaceChildren(...(items.length ? items : [el('li', { class: 'empty' }, 'No dialogs yet')]));
}

function renderHead() {
  const c = selectedClient();
  $('dialog-title').textContent = c ? `${c.name} (${c.id})` : 'Pick a dialog';
  $('dialog-state').textContent = c
    ? `dialog ${c.dialogId} · ${c.dialogState} · ${c.operatorId ? operatorName(c.operatorId) : 'general queue'}`
    : '';
  const bot = $('bot-state');
  if (!c || state.muted === null) {
    bot.textContent = c ? 'bot: unknown (not the local stack)' : 'bot: —';
    bot.className = '';
  } else if (state.muted.muted) {
    bot.textContent = `bot: muted (${state.muted.reason})`;
    bot.className = 'muted';
  } else {
    bot.textContent = 'bot: answering';
    bot.className = '';
  }
  for (const id of ['take', 'send-as-operator', 'transfer-group', 'close']) $(id).disabled = !c;
}

function renderTranscript(entries) {
  const box = $('desk-transcript');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(
    ...entries
      .filter((m) => m.type !== 'system')
      .map((m) =>
        el(
          'div',
          { class: `msg ${m.direction}`, 'data-id': m.id },
          el(
            'div',
            { class: 'meta' },
            m.direction === 'in'
              ? 'client'
              : m.operatorId
                ? operatorName(m.operatorId)
                : m.type === 'comment'
                  ? 'note'
                  : 'bot (API)',
          ),
          m.text || (m.attachments.length ? m.attachments.map((a) => a.name).join(', ') : ''),
        ),
      ),
  );
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// The client card: what the bot collected (tags of the client and its requests, comment, custom fields).
function renderClientCard(card) {
  const parts = [];
  if (card?.tags?.length) {
    parts.push(el('span', {}, 'Tags: ', ...card.tags.map((t) => el('span', { class: 'tag' }, t))));
  }
  if (card?.comment) parts.push(el('span', {}, `Comment: ${card.comment}`));
  const fields = Object.entries(card?.customFields ?? {});
  if (fields.length) parts.push(el('span', {}, `Fields: ${fields.map(([k, v]) => `${k}=${v}`).join(', ')}`));
  $('client-card').replaceChildren(...parts);
}

function fillSelect(select, items, label) {
  const current = select.value;
  select.replaceChildren(...items.map((i) => el('option', { value: String(i.id) }, label(i))));
  if (items.some((i) => String(i.id) === current)) select.value = current;
}

async function refresh() {
  if (!token()) return;
  try {
    const account = await call('GET', '/state');
    state.clients = account.clients || [];
    if (state.operators.length === 0) {
      state.operators = account.operators || [];
      state.groups = account.operatorGroups || [];
      fillSelect($('operator'), state.operators, (o) => `${o.first_name} ${o.last_name} (${o.id})`);
      // A human by default: the first operator that is not the bot's (1001).
      const human = state.operators.find((o) => o.id !== 1001);
      if (human) $('operator').value = String(human.id);
      fillSelect($('group'), state.groups, (g) => `${g.name} (${g.id})`);
    }
    renderDialogs();
    const c = selectedClient();
    if (c) {
      renderTranscript(await call('GET', `/clients/${c.id}/messages`));
      renderClientCard(await call('GET', `/clients/${c.id}`));
      state.muted = await botMuted(c);
    }
    renderHead();
  } catch (err) {
    showError(err);
  }
}

async function botMuted(c) {
  try {
    const response = await fetch(`/local/bot-muted?clientId=${c.id}&dialogId=${c.dialogId}`, {
      headers: { authorization: token() },
    });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

function select(clientId) {
  state.selected = clientId;
  state.muted = null;
  $('client-card').replaceChildren();
  showError('');
  refresh();
}

function lastInboundMessageId() {
  const items = [...document.querySelectorAll('#desk-transcript .msg.in')];
  return items.length ? items[items.length - 1].getAttribute('data-id') : null;
}

async function act(run) {
  showError('');
  try {
    await run();
  } catch (err) {
    showError(err);
  }
  await refresh();
}

$('take').addEventListener('click', () =>
  act(async () => {
    const c = selectedClient();
    await call('PUT', `/v1/dialogs/${c.dialogId}`, { operator_id: Number($('operator').value) });
  }),
);
$('send-as-operator').addEventListener('click', () =>
  act(async () => {
    const c = selectedClient();
    const text = $('desk-message').value.trim();
    if (!text) throw new Error('type a message first');
    await call('POST', '/v1/messages', {
      client_id: Number(c.id),
      text,
      type: 'to_client',
      operator_id: Number($('operator').value),
    });
    $('desk-message').value = '';
  }),
);
$('desk-message').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') $('send-as-operator').click();
});
$('transfer-group').addEventListener('click', () =>
  act(async () => {
    const messageId = lastInboundMessageId();
    if (!messageId) throw new Error('the client has not written yet: nothing to transfer');
    await call(
      'GET',
      `/v1/messages/${messageId}/transfer_to_group?group_id=${encodeURIComponent($('group').value)}`,
    );
  }),
);
$('close').addEventListener('click', () =>
  act(async () => {
    const c = selectedClient();
    await call('POST', `/dialogs/${c.dialogId}/close`);
  }),
);

const params = new URLSearchParams(location.search);
$('token').value = params.get('token') || localStorage.getItem('sandbox.token') || 'demo-token';
$('token').addEventListener('change', () => {
  state.operators = [];
  state.selected = null;
  const url = new URL(location.href);
  url.searchParams.set('token', token());
  history.replaceState(null, '', url);
  refresh();
});
$('chat-link').href = `/sandbox/?token=${encodeURIComponent(token())}`;
if (params.get('client')) state.selected = params.get('client');
renderHead();
refresh();
setInterval(refresh, POLL_MS);
