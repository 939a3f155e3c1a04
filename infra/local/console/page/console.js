// The console: the platform's channel panel (docs/CONSOLE.md). Drives POST /management only, and
// reads the stack's counters from /local/counters. No build step; no data is put into innerHTML.

const CHECK_WORDS = {
  agentTrained: 'The agent is trained',
  tokenUnique: 'The token in the Chat2Desk token field is unique',
  addressReachable: 'The channel address is accessible',
  webhookRegistered: 'The channel webhook is registered successfully',
};
const FIELDS = ['name', 'apiUrl', 'token', 'operatorId', 'serviceMessages'];
const LIST_EVERY_MS = 5000;
const COUNTERS_EVERY_MS = 2000;
/** The channel list is read from an index that may lag a write by a moment: keep what we just saw. */
const RECENT_MS = 10000;

const $ = (id) => document.getElementById(id);
const state = {
  agentId: '',
  channels: new Map(), // id → view
  recent: new Map(), // id → { at, deleted }
  selected: null, // channel id, or 'new'
  counters: {},
  busy: false,
};

async function manage(command) {
  const response = await fetch('/management', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(command),
  });
  const body = await response.json().catch(() => null);
  if (!body || typeof body.ok !== 'boolean') {
    return {
      ok: false,
      error: { code: `HTTP_${response.status}`, message: 'the stack did not answer a result' },
    };
  }
  return body;
}

// ---- notices and field errors ------------------------------------------------------------

function notice(text, kind, action) {
  const box = $('notice');
  box.replaceChildren(text);
  if (action) box.append(' ', el('button', { type: 'button', onclick: action.run }, action.label));
  box.className = kind || '';
  box.hidden = !text;
}

function clearFieldErrors() {
  for (const field of FIELDS) {
    $(`err-${field}`).textContent = '';
    $(`f-${field}`).removeAttribute('aria-invalid');
  }
}

/** The management function's validation messages (zod's English ones) in a person's words. */
const PLAIN_WORDS = [
  [/received undefined$|^Too small: expected string to have >=1 characters?$/, () => 'required'],
  [/^Too big: expected string to have <=(\d+) characters?$/, (m) => `at most ${m[1]} characters`],
  [/^too long \(\d+ characters, at most (\d+)\)$/, (m) => `at most ${m[1]} characters`],
  [
    /^must be printable ASCII without spaces$/,
    () => 'must have no spaces: copy the token exactly as Chat2Desk shows it',
  ],
  [/expected boolean/, () => 'must be on or off'],
];
/** What an "Invalid …" message means for a field whose kind of value is known. */
const FIELD_WORDS = {
  apiUrl: 'must be a web address, such as https://api.chat2desk.com',
  operatorId: 'must be a number',
};

function plainWords(field, message) {
  const text = String(message || '');
  for (const [pattern, words] of PLAIN_WORDS) {
    const match = pattern.exec(text);
    if (match) return words(match);
  }
  if (/^Invalid\b|must be a numeric id/.test(text)) return FIELD_WORDS[field] || 'not valid';
  // Messages written for people already ("apiUrl resolves to a private address"): the field is named beside it.
  return text.startsWith(`${field} `) ? text.slice(field.length + 1) : text;
}

/**
 * VALIDATION_FAILED issues next to their fields, in plain words: any path whose second part is a
 * field (`channel.apiUrl`, `changes.token`, ...) goes beside that field; the rest above.
 */
function showError(error) {
  clearFieldErrors();
  if (error.code === 'VERSION_CONFLICT') {
    notice('This channel was changed elsewhere, reload it to see the current values.', 'error', {
      label: 'Reload',
      run: () => reloadSelected(),
    });
    return;
  }
  const issues = error.details?.issues || [];
  const byField = new Map();
  const unplaced = [];
  for (const issue of issues) {
    const field = String(issue.path || '').split('.')[1];
    if (error.code === 'VALIDATION_FAILED' && FIELDS.includes(field)) {
      const words = byField.get(field) || [];
      const word = plainWords(field, issue.message);
      if (!words.includes(word)) words.push(word);
      byField.set(field, words);
    } else unplaced.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
  }
  for (const [field, words] of byField) {
    // An empty field is only "required": what else is wrong with it follows from that.
    $(`err-${field}`).textContent = words.includes('required') ? 'required' : words.join('; ');
    $(`f-${field}`).setAttribute('aria-invalid', 'true');
  }
  if (unplaced.length === 0 && byField.size > 0) {
    notice('Not saved: correct the fields marked below.', 'error');
    return;
  }
  const text = unplaced.length > 0 ? `${error.message}: ${unplaced.join('; ')}` : error.message;
  notice(`${error.code}: ${text}`, 'error');
}

// ---- activation checks -------------------------------------------------------------------

function showActivation(activation) {
  const region = $('checks');
  if (!activation) {
    region.hidden = true;
    return;
  }
  const summary = activation.activated
    ? activation.applied
      ? 'Saved and active.'
      : 'Changes not applied: the channel stays active as it was.'
    : activation.applied
      ? 'Saved but not activated: one or more conditions are not met.'
      : 'Not applied.';
  $('checks-summary').textContent = summary;
  $('checks-list').replaceChildren(
    ...activation.checks.map((check) =>
      el(
        'li',
        { class: check.ok ? 'ok' : 'fail', 'data-check': check.name },
        `${check.ok ? '✓' : '✗'} ${CHECK_WORDS[check.name] || check.name}${check.ok ? '' : ` — ${check.reason || 'failed'}`}`,
      ),
    ),
  );
  $('warnings-list').replaceChildren(
    ...(activation.warnings || []).map((w) => el('li', { 'data-code': w.code }, `⚠ ${w.message}`)),
  );
  region.hidden = false;
}

// ---- the list --------------------------------------------------------------------------------

function countersText(c) {
  if (!c) return 'received 0 · answered 0';
  const skipped = Object.entries(c.skipped || {});
  const total = skipped.reduce((n, [, v]) => n + v, 0);
  const dead = (c.deadLetters?.inbound || 0) + (c.deadLetters?.outbound || 0);
  return [
    `received ${c.received}`,
    `answered ${c.answered}`,
    `skipped ${total}${total ? ` (${skipped.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
    `dead letters ${dead}`,
    ...(c.deliveryFailures ? [`refused by the messenger ${c.deliveryFailures}`] : []),
    ...(c.botOperator ? [botOperatorText(c.botOperator)] : []),
  ].join(' · ');
}

/** The bot operator's last status in Chat2Desk (operator_status_updated); offline may close its chats. */
function botOperatorText(b) {
  if (b.online) return 'bot operator online';
  return `bot operator OFFLINE${b.offlineType ? ` (${b.offlineType})` : ''} since ${b.since}`;
}

function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

function setAttr(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

function channelRow(id) {
  return el(
    'tr',
    {
      'data-id': id,
      tabindex: '0',
      onclick: () => openChannel(id),
      onkeydown: (e) => {
        if (e.key === 'Enter') openChannel(id);
      },
    },
    el('td', { class: 'name' }),
    el('td', {}, el('span', {})),
    el('td', { class: 'token' }),
    el('td', { class: 'url' }),
    el('td', { class: 'counters' }),
  );
}

function patchRow(tr, c) {
  setAttr(tr, 'class', `channel${state.selected === c.id ? ' selected' : ''}`);
  setAttr(tr, 'aria-label', `Channel ${c.name}`);
  const [name, status, token, url, counters] = tr.cells;
  setText(name, c.name);
  setAttr(status.firstChild, 'class', `status ${c.status}`);
  setText(status.firstChild, c.status);
  setText(token, c.token);
  setText(url, c.webhookUrl);
  setText(counters, countersText(state.counters[c.id]));
}

/**
 * The rows are patched in place, never rebuilt: a refresh (every few seconds) keeps the focused
 * row focused and lets a click that lands during it reach the row it was aimed at.
 */
function renderList() {
  const rows = [...state.channels.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const body = $('channels').tBodies[0];
  const existing = new Map();
  for (const tr of [...body.rows]) {
    if (state.channels.has(tr.dataset.id)) existing.set(tr.dataset.id, tr);
    else tr.remove();
  }
  let next = body.firstElementChild;
  for (const c of rows) {
    const tr = existing.get(c.id) || channelRow(c.id);
    patchRow(tr, c);
    // Only a row out of place is moved (moving a node drops its focus).
    if (tr === next) next = next.nextElementSibling;
    else body.insertBefore(tr, next);
  }
  $('no-channels').hidden = rows.length > 0;
  renderPanelCounters();
}

function remember(view) {
  state.channels.set(view.id, view);
  state.recent.set(view.id, { at: Date.now(), deleted: false });
}

function forget(id) {
  state.channels.delete(id);
  state.recent.set(id, { at: Date.now(), deleted: true });
}

async function refreshList() {
  if (!state.agentId) return;
  const agentId = state.agentId;
  const result = await manage({ action: 'list', agentId });
  if (agentId !== state.agentId) return;
  if (!result.ok) return showError(result.error);
  const next = new Map(result.channels.map((c) => [c.id, c]));
  for (const [id, recent] of state.recent) {
    if (Date.now() - recent.at > RECENT_MS) state.recent.delete(id);
    else if (recent.deleted) next.delete(id);
    else if (state.channels.has(id)) {
      const mine = state.channels.get(id);
      const listed = next.get(id);
      if (!listed || listed.version < mine.version) next.set(id, mine);
    }
  }
  state.channels = next;
  renderList();
}

async function refreshCounters() {
  try {
    const response = await fetch('/local/counters');
    if (response.ok) state.counters = (await response.json()).channels || {};
  } catch {
    return;
  }
  renderList();
}

// ---- the panel -------------------------------------------------------------------------------

const BUTTONS = {
  new: [
    ['CREATE', 'primary', () => submitCreate(false)],
    ['CREATE & ACTIVATE', 'primary', () => submitCreate(true)],
    ['CANCEL', '', closePanel],
  ],
  active: [
    ['APPLY', 'primary', () => submitUpdate(false)],
    ['DEACTIVATE', '', () => submitSimple('deactivate')],
    ['DELETE', 'danger', () => submitSimple('delete')],
    ['CANCEL', '', closePanel],
  ],
  inactive: [
    ['SAVE', 'primary', () => submitUpdate(false)],
    ['SAVE & ACTIVATE', 'primary', () => submitUpdate(true)],
    ['DELETE', 'danger', () => submitSimple('delete')],
    ['CANCEL', '', closePanel],
  ],
};

function renderButtons(kind) {
  $('buttons').replaceChildren(
    ...BUTTONS[kind].map(([label, cls, run]) =>
      el('button', { type: 'button', class: cls, 'data-action': label, onclick: () => guard(run) }, label),
    ),
  );
}

async function guard(run) {
  if (state.busy) return;
  state.busy = true;
  for (const b of $('buttons').querySelectorAll('button')) b.disabled = true;
  try {
    await run();
  } catch (err) {
    notice(`the console could not reach the stack (${err?.message})`, 'error');
  } finally {
    state.busy = false;
    for (const b of $('buttons').querySelectorAll('button')) b.disabled = false;
  }
}

/** Scheme, host and port of an address, or the text itself when it is not a URL. */
function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The token is sent only to the address it was entered for: another address asks for it again. */
function tokenHint() {
  const view = state.channels.get(state.selected);
  if (!view) return 'Chat2Desk: API and scripts → Show';
  if (originOf($('f-apiUrl').value.trim()) !== originOf(view.apiUrl)) {
    return 'the API address changed: type the token again (it goes only to the address it was entered for)';
  }
  return `stored: ${view.token}; leave empty to keep it, or type a new token`;
}

function fillForm(view) {
  $('f-name').value = view ? view.name : '';
  $('f-apiUrl').value = view ? view.apiUrl : `${location.origin}/sandbox`;
  $('f-token').value = '';
  $('f-token').placeholder = view ? view.token : '';
  $('token-hint').textContent = tokenHint();
  $('f-operatorId').value = view && view.operatorId !== undefined ? view.operatorId : '';
  $('f-serviceMessages').checked = view ? view.serviceMessages : false;
}

function openNew() {
  state.selected = 'new';
  clearFieldErrors();
  notice('');
  showActivation(undefined);
  fillForm(undefined);
  $('panel-title').textContent = 'New channel';
  $('panel-status').textContent = '';
  renderButtons('new');
  $('panel').hidden = false;
  renderList();
  $('f-name').focus();
}

function showChannel(view) {
  state.selected = view.id;
  fillForm(view);
  $('panel-title').textContent = view.name;
  $('panel-status').textContent = `${view.status} · version ${view.version}`;
  renderButtons(view.status === 'active' ? 'active' : 'inactive');
  $('panel').hidden = false;
  renderList();
}

function openChannel(id) {
  const view = state.channels.get(id);
  if (!view) return;
  clearFieldErrors();
  notice('');
  showActivation(undefined);
  showChannel(view);
}

function closePanel() {
  state.selected = null;
  $('panel').hidden = true;
  showActivation(undefined);
  clearFieldErrors();
  renderList();
}

async function reloadSelected() {
  const id = state.selected;
  if (!id || id === 'new') return;
  const at = where();
  const result = await manage({ action: 'get', channelId: id });
  if (!stillThere(at)) return;
  if (!result.ok) return showError(result.error);
  remember(result.channel);
  notice('Reloaded: the panel shows the channel as it is now.');
  clearFieldErrors();
  showChannel(result.channel);
}

function renderPanelCounters() {
  const box = $('panel-counters');
  const view = state.channels.get(state.selected);
  if (!view) {
    // Emptied too: nothing of the channel viewed before may show on another panel.
    box.replaceChildren();
    box.hidden = true;
    return;
  }
  const c = state.counters[view.id] || { received: 0, answered: 0, skipped: {}, deadLetters: {} };
  const skipped = Object.entries(c.skipped || {});
  box.replaceChildren(
    el('dt', {}, 'Messages received'),
    el('dd', {}, c.received),
    el('dt', {}, 'Answered'),
    el('dd', {}, c.answered),
    el('dt', {}, 'Skipped'),
    el('dd', {}, skipped.length ? skipped.map(([k, v]) => `${k}: ${v}`).join(', ') : '0'),
    el('dt', {}, 'Dead letters'),
    el('dd', {}, `inbound ${c.deadLetters?.inbound || 0}, outbound ${c.deadLetters?.outbound || 0}`),
    el('dt', {}, 'Refused by the messenger'),
    el('dd', {}, c.deliveryFailures || 0),
  );
  box.hidden = false;
}

function readFields() {
  const operatorId = $('f-operatorId').value.trim();
  return {
    name: $('f-name').value.trim(),
    apiUrl: $('f-apiUrl').value.trim(),
    token: $('f-token').value.trim(),
    operatorId,
    serviceMessages: $('f-serviceMessages').checked,
  };
}

/** The token typed is never kept: the field is emptied as soon as the command is sent. */
function takeToken() {
  const token = $('f-token').value.trim();
  $('f-token').value = '';
  return token;
}

/** Where the person is when a command is sent: its answer may only change the panel it came from. */
function where() {
  return { agentId: state.agentId, selected: state.selected };
}

function stillThere(at) {
  return at.agentId === state.agentId && at.selected === state.selected;
}

function afterResult(result, okText, at) {
  // The person moved on to another agent: nothing of this one's channels shows there.
  if (at.agentId !== state.agentId) return false;
  if (!result.ok) {
    if (stillThere(at)) {
      showError(result.error);
      if ($('f-token').getAttribute('aria-invalid') === 'true') $('f-token').focus();
    }
    return false;
  }
  if (!stillThere(at)) {
    // Another panel is open now (another channel, or a new one): the list shows the result.
    remember(result.channel);
    renderList();
    return true;
  }
  clearFieldErrors();
  remember(result.channel);
  showChannel(result.channel);
  showActivation(result.activation);
  notice(okText(result));
  return true;
}

async function submitCreate(activate) {
  const at = where();
  const fields = readFields();
  takeToken();
  const channel = { apiUrl: fields.apiUrl, token: fields.token, serviceMessages: fields.serviceMessages };
  if (fields.name) channel.name = fields.name;
  if (fields.operatorId) channel.operatorId = fields.operatorId;
  const result = await manage({
    action: 'create',
    agentId: state.agentId,
    channel,
    ...(activate ? { activate } : {}),
  });
  afterResult(
    result,
    (r) =>
      r.activation
        ? r.activation.activated
          ? `Channel ${r.channel.name} created and activated.`
          : `Channel ${r.channel.name} saved but not activated.`
        : `Channel ${r.channel.name} created (inactive).`,
    at,
  );
  refreshList();
}

async function submitUpdate(activate) {
  const view = state.channels.get(state.selected);
  if (!view) return;
  const at = where();
  const fields = readFields();
  const token = takeToken();
  const changes = {};
  if (fields.name !== view.name) changes.name = fields.name || 'New channel';
  if (fields.apiUrl !== view.apiUrl) changes.apiUrl = fields.apiUrl;
  if (token) changes.token = token;
  const stored = view.operatorId === undefined ? '' : view.operatorId;
  if (fields.operatorId !== stored) changes.operatorId = fields.operatorId === '' ? null : fields.operatorId;
  if (fields.serviceMessages !== view.serviceMessages) changes.serviceMessages = fields.serviceMessages;
  const result = await manage({
    action: 'update',
    channelId: view.id,
    version: view.version,
    changes,
    ...(activate ? { activate } : {}),
  });
  afterResult(
    result,
    (r) =>
      view.status === 'active'
        ? r.activation?.applied
          ? 'Changes applied.'
          : 'Changes not applied: a condition is not met.'
        : r.activation
          ? r.activation.activated
            ? 'Saved and activated.'
            : 'Saved but not activated.'
          : 'Saved.',
    at,
  );
  refreshList();
}

async function submitSimple(action) {
  const view = state.channels.get(state.selected);
  if (!view) return;
  const at = where();
  const result = await manage({ action, channelId: view.id, version: view.version });
  if (at.agentId !== state.agentId) return;
  if (!result.ok) {
    if (stillThere(at)) showError(result.error);
    return;
  }
  if (action === 'delete') {
    forget(view.id);
    if (state.selected === view.id) closePanel();
    else renderList();
    notice(`Channel ${view.name} deleted.`);
  } else if (!stillThere(at)) {
    remember(result.channel);
    renderList();
  } else {
    remember(result.channel);
    showChannel(result.channel);
    showActivation(undefined);
    notice(`Channel ${view.name} deactivated.`);
  }
  refreshList();
}

// ---- start -----------------------------------------------------------------------------------

function setAgent(agentId) {
  state.agentId = agentId.trim();
  state.channels = new Map();
  state.recent = new Map();
  // Whatever was said was about the other agent's channels.
  notice('');
  closePanel();
  const url = new URL(location.href);
  url.searchParams.set('agent', state.agentId);
  history.replaceState(null, '', url);
  refreshList();
}

const initial = new URLSearchParams(location.search).get('agent') || 'demo';
$('agent').value = initial;
$('agent').addEventListener('change', () => setAgent($('agent').value));
$('add-channel').addEventListener('click', openNew);
$('f-apiUrl').addEventListener('input', () => {
  $('token-hint').textContent = tokenHint();
});
setAgent(initial);
refreshCounters();
setInterval(refreshList, LIST_EVERY_MS);
setInterval(refreshCounters, COUNTERS_EVERY_MS);
