// The sandbox chat page: a person plays the Chat2Desk client. Vanilla JS, no build step.
// Stable element ids (browser tests): #token #client-id #transport #message #send #transcript
// (.msg.in / .msg.out children, button.reply-button) #close-dialog #dialog-status #error.
(() => {
  const IMAGE = /\.(png|jpe?g|gif|webp|bmp|svg)(\?|#|$)/i;

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;');
  }

  /**
   * The seed's markdown subset as the web widget shows it: *italics*, _italics_, __bold__,
   * *__bold italics__*, [link](url). The text is escaped first; only these tags are produced.
   */
  function renderWidgetMarkdown(text) {
    const links = [];
    let html = escapeHtml(text).replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, (_m, label, url) => {
      links.push(`<a href="${url}" target="_blank" rel="noopener noreferrer">${label}</a>`);
      // Escaped text has no '<': the placeholder cannot collide with it.
      return `<L${links.length - 1}>`;
    });
    html = html
      .replace(/\*__([^\n]+?)__\*/g, '<b><i>$1</i></b>')
      .replace(/__([^\n]+?)__/g, '<b>$1</b>')
      .replace(/\*([^\s*](?:[^\n*]*[^\s*])?)\*/g, '<i>$1</i>')
      .replace(/(^|[^\w])_([^\s_](?:[^\n_]*[^\s_])?)_(?=[^\w]|$)/g, '$1<i>$2</i>');
    return html.replace(/<L(\d+)>/g, (_m, i) => links[Number(i)]);
  }

  if (typeof module !== 'undefined' && module.exports) {
    module.exports = { renderWidgetMarkdown, escapeHtml };
  }
  if (typeof document === 'undefined') return;

  const base = location.pathname.replace(/\/[^/]*$/, '');
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const stored = (key, fallback) => params.get(key) || localStorage.getItem(`sandbox.${key}`) || fallback;

  $('token').value = stored('token', 'demo-token');
  $('client-id').value = stored('client', String(100000 + Math.floor(Math.random() * 900000)));
  $('transport').value = stored('transport', 'telegram');
  $('client-name').value = stored('name', '');
  // The other side of the conversation: the operator desk of the same account, on this client.
  const deskLink = () => {
    $('operator-desk').href =
      `${base}/operator/?token=${encodeURIComponent($('token').value.trim())}&client=${encodeURIComponent($('client-id').value.trim())}`;
  };
  deskLink();
  $('token').addEventListener('input', deskLink);
  $('client-id').addEventListener('input', deskLink);
  for (const [id, key] of [
    ['token', 'token'],
    ['client-id', 'client'],
    ['transport', 'transport'],
    ['client-name', 'name'],
  ]) {
    $(id).addEventListener('change', () => {
      localStorage.setItem(`sandbox.${key}`, $(id).value.trim());
      lastFingerprint = '';
      poll();
    });
  }

  let lastFingerprint = '';
  let dialogId = null;

  function showError(message) {
    $('error').textContent = message || '';
  }

  async function call(method, path, body) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: $('token').value.trim(),
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || data.message || `HTTP ${response.status}`);
    return data;
  }

  async function sendMessage(text, extra) {
    const clientId = $('client-id').value.trim();
    const input = { text, transport: $('transport').value, ...extra };
    const name = $('client-name').value.trim();
    if (name) input.clientName = name;
    try {
      await call('POST', `/clients/${encodeURIComponent(clientId)}/messages`, input);
      showError('');
      poll();
    } catch (err) {
      showError(`Not sent: ${err.message}`);
    }
  }

  function onSend() {
    const text = $('message').value;
    const attachmentUrl = $('attachment-url').value.trim();
    const coordinates = $('coordinates').value.trim();
    const extra = {};
    if (attachmentUrl) extra.attachments = [{ url: attachmentUrl }];
    if (coordinates) extra.coordinates = coordinates;
    if (!text.trim() && !attachmentUrl && !coordinates) return;
    $('message').value = '';
    $('attachment-url').value = '';
    $('coordinates').value = '';
    sendMessage(text.trim() ? text : undefined, extra);
  }

  function senderLabel(message) {
    if (message.direction === 'in') return `You (${message.transport})`;
    return message.operatorId ? `Operator ${message.operatorId}` : 'Company';
  }

  function renderMessage(message, transport) {
    const el = document.createElement('div');
    el.className = `msg ${message.direction}`;
    el.dataset.id = message.id;
    const meta = document.createElement('div');
    meta.className = 'meta';
    meta.textContent = `${senderLabel(message)} · ${new Date(message.at).toLocaleTimeString()}`;
    el.appendChild(meta);

    if (message.text) {
      const body = document.createElement('div');
      body.className = 'text';
      if (message.direction === 'out' && transport === 'widget')
        body.innerHTML = renderWidgetMarkdown(message.text);
      else body.textContent = message.text;
      el.appendChild(body);
    }
    // Chat2Desk names a client's PDF twice, in `attachments` and in `pdf`: one file, shown once.
    const files = (message.attachments || []).map((file) => ({
      url: file.url,
      name: message.attachmentFilename || file.name,
    }));
    if (message.pdf && !files.some((file) => file.url === message.pdf)) {
      files.push({ url: message.pdf, name: 'document.pdf' });
    }
    for (const file of files) {
      if (IMAGE.test(file.url)) {
        const img = document.createElement('img');
        img.src = file.url;
        img.alt = file.name || 'image';
        el.appendChild(img);
      } else {
        el.appendChild(fileLink(file.url, file.name));
      }
    }
    if (message.coordinates) {
      const loc = document.createElement('div');
      loc.textContent = `📍 ${message.coordinates}`;
      el.appendChild(loc);
    }
    if (message.buttons && message.buttons.length > 0) {
      const row = document.createElement('div');
      row.className = 'buttons';
      for (const button of message.buttons) {
        if (button.type === 'url' && button.url) {
          const a = document.createElement('a');
          a.className = 'url-button';
          a.href = button.url;
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
          a.textContent = `${button.text} ↗`;
          row.appendChild(a);
        } else {
          const b = document.createElement('button');
          b.type = 'button';
          b.className = 'reply-button';
          b.textContent = button.text;
          b.addEventListener('click', () => sendMessage(button.text, {}));
          row.appendChild(b);
        }
      }
      el.appendChild(row);
    }
    return el;
  }

  function fileLink(url, name) {
    const a = document.createElement('a');
    a.className = 'file-link';
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = `📎 ${name || url}`;
    return a;
  }

  async function poll() {
    const clientId = $('client-id').value.trim();
    if (!clientId || !$('token').value.trim()) return;
    try {
      const messages = await call('GET', `/clients/${encodeURIComponent(clientId)}/messages`);
      // What the client sees: no internal notes or system lines.
      const visible = messages.filter((m) => m.type !== 'comment' && m.type !== 'system');
      const fingerprint = `${$('transport').value}|${visible.length}|${visible.length ? visible[visible.length - 1].id : ''}`;
      if (fingerprint !== lastFingerprint) {
        lastFingerprint = fingerprint;
        const transcript = $('transcript');
        transcript.replaceChildren(
          ...visible.map((m) => renderMessage(m, m.transport || $('transport').value)),
        );
        transcript.scrollTop = transcript.scrollHeight;
      }
      if (messages.length > 0) {
        const client = await call('GET', `/clients/${encodeURIComponent(clientId)}`);
        dialogId = client.dialogId;
        $('dialog-status').textContent = `dialog ${client.dialogId}: ${client.dialogState}${
          client.operatorId ? `, operator ${client.operatorId}` : ', no operator'
        }`;
      } else {
        dialogId = null;
        $('dialog-status').textContent = 'no dialog yet';
      }
    } catch (err) {
      showError(err.message);
    }
  }

  $('send').addEventListener('click', onSend);
  $('message').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      onSend();
    }
  });
  $('close-dialog').addEventListener('click', async () => {
    if (!dialogId) return;
    try {
      await call('POST', `/dialogs/${encodeURIComponent(dialogId)}/close`);
      showError('');
      poll();
    } catch (err) {
      showError(err.message);
    }
  });

  poll();
  setInterval(poll, 500);
})();
