// RocRouting console: the live feed, countdowns, the routing preview and alerts. Served as a file
// (no inline script, so the Content-Security-Policy forbids any); every text comes from the page.
(() => {
  'use strict';
  const liveHeader = { 'X-Roc-Live': '1' };
  const status = document.getElementById('live-status');
  const main = document.getElementById('main');

  function setStatus(state) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = status.dataset[state.replace(/-(\w)/g, (_, c) => c.toUpperCase())] || '';
  }

  // ---- Countdowns to "Kvittera senast" ----
  function formatLeft(ms) {
    const total = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    const parts = h > 0 ? [h + ' h', m + ' min'] : m > 0 ? [m + ' min', s + ' s'] : [s + ' s'];
    return parts.join(' ');
  }
  // Time left is the server's: a phone whose clock is off still counts down to the real deadline.
  const skew = main?.dataset.serverNow ? Date.parse(main.dataset.serverNow) - Date.now() : 0;
  function tick() {
    const left = main?.dataset.textLeft || '', late = main?.dataset.textLate || '';
    for (const el of document.querySelectorAll('[data-deadline]')) {
      const ms = Date.parse(el.dataset.deadline) - (Date.now() + skew);
      el.classList.toggle('late', ms < 0);
      el.textContent = ms >= 0 ? '(' + formatLeft(ms) + ' ' + left + ')' : '(' + late + ' ' + formatLeft(ms) + ')';
    }
  }
  tick();
  setInterval(tick, 1000);

  // ---- Focus a message after an action (keyboard and screen reader users land on it) ----
  document.querySelector('[data-focus]')?.focus();

  // ---- Live regions: re-read from the server, never patched from the event ----
  const regions = () => Array.from(document.querySelectorAll('[data-live][id]'));
  let source = null, refreshing = false, again = false, retry = 0;
  // A re-read that fails (offline, or refused by a busy server) is tried again: the change that asked
  // for it must reach the screen even if no other change follows. Refused, the server says when.
  function retryDelay(response) {
    const seconds = Number(response?.headers.get('Retry-After'));
    return Math.min(Math.max(Number.isFinite(seconds) && seconds > 0 ? seconds : 2, 1), 30) * 1000;
  }
  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    clearTimeout(retry);
    let retryIn = 0;
    try {
      do {
        again = false;
        const response = await fetch(location.href, { headers: liveHeader, credentials: 'same-origin', cache: 'no-store' });
        if (response.status === 401) { setStatus('signed-out'); return; }
        if (!response.ok) { retryIn = retryDelay(response); break; }
        const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
        for (const region of regions()) {
          const next = fresh.getElementById(region.id);
          if (!next || next.innerHTML === region.innerHTML) continue;
          // Someone typing in this region keeps their text; it is refreshed when they leave it.
          if (region.contains(document.activeElement) && document.activeElement !== document.body) {
            region.addEventListener('focusout', () => setTimeout(refresh, 0), { once: true });
            continue;
          }
          region.innerHTML = next.innerHTML;
        }
        tick();
      } while (again);
    } catch {
      retryIn = retryDelay(null);
    } finally {
      refreshing = false;
    }
    if (retryIn) {
      setStatus('reconnecting');
      retry = setTimeout(refresh, retryIn);
    } else if (source?.readyState === EventSource.OPEN) {
      setStatus('connected');
    }
  }

  // ---- Alerts for a new immediate case (staff allow them with a button) ----
  const alertsButton = document.getElementById('enable-alerts');
  let audio = null;
  function beep() {
    if (!audio) return;
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = 880; gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    osc.start(); osc.stop(audio.currentTime + 0.4);
  }
  if (alertsButton) {
    alertsButton.addEventListener('click', async () => {
      audio = audio || new AudioContext();
      const permission = 'Notification' in window ? await Notification.requestPermission() : 'denied';
      alertsButton.insertAdjacentHTML('afterend', '<span class="hint" role="status"></span>');
      alertsButton.nextElementSibling.textContent = permission === 'granted' ? alertsButton.dataset.on : alertsButton.dataset.blocked;
      beep();
    });
  }
  // ---- Alerts when the console is closed: the browser's push subscription, registered for this person ----
  const pushButton = document.getElementById('enable-push');
  if (pushButton && 'serviceWorker' in navigator && 'PushManager' in window) {
    pushButton.hidden = false;
    const say = (text) => {
      if (!pushButton.nextElementSibling?.classList.contains('hint')) pushButton.insertAdjacentHTML('afterend', '<span class="hint" role="status"></span>');
      pushButton.nextElementSibling.textContent = text;
    };
    const key = (base64url) => {
      const raw = atob(base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - base64url.length % 4) % 4));
      return Uint8Array.from(raw, (c) => c.charCodeAt(0));
    };
    pushButton.addEventListener('click', async () => {
      try {
        if (await Notification.requestPermission() !== 'granted') { say(pushButton.dataset.blocked); return; }
        const registration = await navigator.serviceWorker.register('/sw.js');
        await navigator.serviceWorker.ready;
        const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(pushButton.dataset.key) });
        const response = await fetch('/me/push-subscriptions', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { ...liveHeader, 'Content-Type': 'application/json', 'RequestVerificationToken': pushButton.dataset.token },
          body: JSON.stringify(subscription),
        });
        say(response.ok ? pushButton.dataset.on : pushButton.dataset.failed);
      } catch {
        say(pushButton.dataset.failed);
      }
    });
  }

  function alertFor(event) {
    if (!event.newForReader || event.urgency !== 'immediate') return;
    beep();
    if ('Notification' in window && Notification.permission === 'granted') {
      const n = new Notification(event.text, { tag: event.caseId });
      n.onclick = () => { window.focus(); location.href = '/cases/' + event.caseId; };
    }
  }

  // ---- The live feed ----
  const live = regions();
  if (live.length > 0 && 'EventSource' in window) {
    const announcer = document.createElement('p');
    announcer.className = 'skip';
    announcer.setAttribute('aria-live', 'polite');
    document.body.appendChild(announcer);
    const pageCase = document.querySelector('[data-case]')?.dataset.case;
    setStatus('connecting');
    source = new EventSource('/live');
    source.addEventListener('hello', () => { setStatus('connected'); refresh(); });
    source.addEventListener('case', (message) => {
      const event = JSON.parse(message.data);
      if (pageCase && pageCase !== event.caseId) return;
      announcer.textContent = event.text;
      alertFor(event);
      refresh();
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        // Closed for good (e.g. signed out): the status says so.
        fetch(location.href, { headers: liveHeader, credentials: 'same-origin', cache: 'no-store' })
          .then(r => setStatus(r.status === 401 ? 'signed-out' : 'reconnecting'), () => setStatus('reconnecting'));
      } else {
        setStatus('reconnecting');
      }
    });
  }

  // ---- The new-case form's routing preview ----
  const form = document.querySelector('form[data-preview]');
  if (form) {
    const body = document.getElementById('preview-body');
    const value = (name) => {
      const field = form.querySelector('[data-preview-field="' + name + '"]:checked, select[data-preview-field="' + name + '"]');
      return field ? field.value : '';
    };
    async function preview() {
      const query = new URLSearchParams({ home: value('home'), foundIn: value('foundIn'), urgency: value('urgency') });
      try {
        const response = await fetch(form.dataset.preview + '?' + query, { headers: liveHeader, credentials: 'same-origin', cache: 'no-store' });
        if (response.ok) body.innerHTML = await response.text();
      } catch { /* the last preview stays */ }
    }
    form.addEventListener('change', (e) => { if (e.target.matches('[data-preview-field]')) preview(); });
    setInterval(preview, 60000);
    // A double click sends one request; the key makes even a second one give the same case.
    form.addEventListener('submit', () => { setTimeout(() => form.querySelector('button[type="submit"]').disabled = true, 0); });
  }
})();
