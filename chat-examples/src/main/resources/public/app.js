// Parley's chat page. Model and user text is rendered as markdown by markdown-it with raw HTML
// turned off, then cleaned by DOMPurify: nothing a model or another user writes can run a script.
// The page's Content-Security-Policy allows scripts from this origin only, as a second wall.
(() => {
  'use strict';
  const md = window.markdownit({ html: false, linkify: true, breaks: true });
  const $ = (id) => document.getElementById(id);
  const state = { key: null, conversations: [], current: null, socket: null, opened: null, retry: 0, streaming: null, closedOnPurpose: false };

  function renderMarkdown(el, text) {
    el.innerHTML = window.DOMPurify.sanitize(md.render(text), { USE_PROFILES: { html: true } });
  }

  function showError(text) { $('error').textContent = text || ''; }

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: { 'Authorization': 'Bearer ' + state.key, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401) { logout('That key was not accepted.'); throw new Error('unauthorized'); }
    if (!res.ok && res.status !== 204) {
      const err = await res.json().catch(() => ({ error: { message: res.statusText } }));
      throw new Error(err.error ? err.error.message : res.statusText);
    }
    return res.status === 204 ? null : res.json();
  }

  function logout(message) {
    sessionStorage.removeItem('parley.key');
    state.key = null;
    $('app').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
  }

  async function start() {
    const fromUrl = new URLSearchParams(location.hash.slice(1)).get('key');
    if (fromUrl) {
      sessionStorage.setItem('parley.key', fromUrl);
      history.replaceState(null, '', location.pathname); // keep the key out of the address bar
    }
    state.key = sessionStorage.getItem('parley.key');
    if (!state.key) { logout(); return; }
    const info = await api('GET', '/api/info');
    $('fake-banner').hidden = !info.fakeModel;
    $('user').textContent = info.user;
    $('login').hidden = true;
    $('app').hidden = false;
    await loadConversations();
    if (state.conversations.length) { openConversation(state.conversations[state.conversations.length - 1].id); } else { readyForFirstMessage(); }
  }

  /** No chat open: the box stays usable, and the first message starts a chat of its own. */
  function readyForFirstMessage() {
    $('title').textContent = 'New chat: type a message to start';
    setComposer(true);
    $('input').focus();
  }

  async function loadConversations() {
    state.conversations = (await api('GET', '/api/conversations')).conversations;
    const list = $('conversations');
    list.replaceChildren();
    for (const s of state.conversations) {
      const li = document.createElement('li');
      li.dataset.id = s.id;
      li.classList.toggle('active', s.id === state.current);
      const open = document.createElement('button');
      open.className = 'open';
      open.type = 'button';
      open.textContent = s.title;
      open.addEventListener('click', () => openConversation(s.id));
      const del = document.createElement('button');
      del.className = 'delete';
      del.type = 'button';
      del.title = 'Delete this chat';
      del.setAttribute('aria-label', 'Delete ' + s.title);
      del.textContent = '×';
      del.addEventListener('click', () => deleteConversation(s.id));
      li.append(open, del);
      list.append(li);
    }
  }

  async function newConversation() {
    const s = await api('POST', '/api/conversations', { title: 'Chat ' + new Date().toLocaleString() });
    await loadConversations();
    openConversation(s.id);
  }

  async function deleteConversation(id) {
    await api('DELETE', '/api/conversations/' + encodeURIComponent(id));
    if (id === state.current) { closeSocket(); state.current = null; $('messages').replaceChildren(); readyForFirstMessage(); }
    await loadConversations();
  }

  function addMessage(role, text, reasoning) {
    const li = document.createElement('li');
    li.className = role;
    if (role === 'user') {
      li.textContent = text;
    } else {
      const body = document.createElement('div');
      body.className = 'body';
      li.append(body);
      renderMarkdown(body, text);
      if (reasoning) { addReasoning(li, reasoning); }
    }
    li.dataset.raw = text;
    $('messages').append(li);
    li.scrollIntoView({ block: 'end' });
    return li;
  }

  // The model's reasoning, folded away above its answer; shown as text, never as markup.
  function addReasoning(li, text) {
    let details = li.querySelector('details.reasoning');
    if (!details) {
      details = document.createElement('details');
      details.className = 'reasoning';
      const summary = document.createElement('summary');
      summary.textContent = 'Reasoning';
      const pre = document.createElement('div');
      pre.className = 'thoughts';
      details.append(summary, pre);
      li.prepend(details);
    }
    details.querySelector('.thoughts').textContent += text;
  }

  async function openConversation(id) {
    closeSocket();
    state.current = id;
    showError('');
    const s = await api('GET', '/api/conversations/' + encodeURIComponent(id));
    $('title').textContent = s.title;
    $('messages').replaceChildren();
    for (const m of s.messages) { addMessage(m.role, m.content, m.reasoning); }
    for (const li of $('conversations').children) { li.classList.toggle('active', li.dataset.id === id); }
    state.retry = 0;
    connect();
  }

  function setConnection(text, cls) {
    const el = $('connection');
    el.textContent = text;
    el.className = 'connection ' + cls;
  }

  function setComposer(enabled) {
    $('input').disabled = !enabled;
    $('send').disabled = !enabled;
  }

  function closeSocket() {
    if (state.socket) { state.closedOnPurpose = true; state.socket.close(1000); state.socket = null; }
    setConnection('offline', '');
    setComposer(false);
  }

  function connect() {
    const id = state.current;
    if (!id) { return; }
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const ws = new WebSocket(scheme + location.host + '/ws/conversations/' + encodeURIComponent(id) + '?access_token=' + encodeURIComponent(state.key));
    state.socket = ws;
    state.closedOnPurpose = false;
    state.opened = new Promise((resolve) => {
      ws.onopen = () => { state.retry = 0; setConnection('connected', 'online'); setComposer(true); resolve(); };
    });
    ws.onmessage = (event) => onFrame(JSON.parse(event.data));
    ws.onclose = (event) => {
      if (state.socket !== ws) { return; }
      state.socket = null;
      setComposer(false);
      if (state.streaming) { state.streaming.classList.remove('streaming'); state.streaming = null; }
      if (state.closedOnPurpose || event.code === 4404 || event.code === 4000) { setConnection('offline', ''); return; }
      // Dropped: try again with growing pauses (0.5 s, 1 s, 2 s … at most 10 s).
      const delay = Math.min(10000, 500 * Math.pow(2, state.retry++));
      setConnection('reconnecting…', 'reconnecting');
      setTimeout(() => { if (state.current === id && !state.socket) { connect(); } }, delay);
    };
  }

  function onFrame(frame) {
    if (frame.type === 'accepted') {
      showRateLimit(frame.rateLimit);
    } else if (frame.type === 'chunk' || frame.type === 'reasoning') {
      if (!state.streaming) { state.streaming = addMessage('assistant', ''); state.streaming.classList.add('streaming'); }
      const li = state.streaming;
      if (frame.type === 'reasoning') {
        addReasoning(li, frame.content);
      } else {
        li.dataset.raw += frame.content;
        renderMarkdown(li.querySelector('.body'), li.dataset.raw);
      }
      li.scrollIntoView({ block: 'end' });
    } else if (frame.type === 'complete') {
      if (!state.streaming) { state.streaming = addMessage('assistant', frame.content, frame.reasoning); }
      state.streaming.classList.remove('streaming');
      state.streaming.classList.add('done');
      state.streaming = null;
    } else if (frame.type === 'error') {
      if (frame.error.code === 'rate_limited') {
        const el = $('rate-limit');
        el.textContent = 'Rate limited: retry in ' + frame.retryAfterSeconds + ' s';
        el.classList.add('low');
      }
      showError(frame.error.message);
      if (state.streaming) { state.streaming.classList.remove('streaming'); state.streaming = null; }
    }
  }

  function showRateLimit(limit) {
    const el = $('rate-limit');
    el.textContent = limit.remaining + ' of ' + limit.limit + ' messages left';
    el.classList.toggle('low', limit.remaining <= Math.max(1, limit.limit / 10));
  }

  async function send() {
    const text = $('input').value;
    if (!text.trim()) { return; }
    if (!state.current) {
      // The first message of a newcomer (or after deleting the open chat) makes its own chat.
      setComposer(false);
      const s = await api('POST', '/api/conversations', { title: text.trim().slice(0, 60) });
      await loadConversations();
      await openConversation(s.id);
      await state.opened;
    }
    if (!state.socket || state.socket.readyState !== WebSocket.OPEN) { return; }
    showError('');
    addMessage('user', text);
    state.socket.send(JSON.stringify({ type: 'message', content: text }));
    $('input').value = '';
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login').addEventListener('submit', (e) => {
      e.preventDefault();
      sessionStorage.setItem('parley.key', $('key').value.trim());
      start().catch((err) => showError(err.message));
    });
    $('new-conversation').addEventListener('click', () => newConversation().catch((err) => showError(err.message)));
    const submit = () => send().catch((err) => { showError(err.message); setComposer(!state.current || !!state.socket); });
    $('composer').addEventListener('submit', (e) => { e.preventDefault(); submit(); });
    $('input').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); submit(); }
    });
    start().catch((err) => showError(err.message));
  });

  // A key added to the address later (a sign-in link opened in this tab): sign in with it, and
  // take it out of the address bar again.
  window.addEventListener('hashchange', () => {
    if (!new URLSearchParams(location.hash.slice(1)).get('key')) { return; }
    closeSocket();
    state.current = null;
    start().catch((err) => showError(err.message));
  });
})();
