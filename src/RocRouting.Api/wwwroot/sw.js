// RocRouting's service worker: shows the alerts the service pushes when the console is not open.
// The payload carries codes and times only (never the child); the words are Swedish, as the console's.
'use strict';

const titles = {
  routed: (d) => (d.urgency === 'immediate' ? 'Akut ärende' : 'Nytt ärende'),
  overdue: () => 'Ärende inte kvitterat',
  escalated: () => 'Eskalering: ärende inte kvitterat',
};

function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString('sv-SE', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Stockholm' }) : '';
}

self.addEventListener('push', (event) => {
  const data = event.data ? event.data.json() : {};
  const step = String(data.step || 'routed').split(':')[0];
  const title = (titles[step] || titles.routed)(data);
  const body = data.acknowledgeBy ? 'Kvittera senast ' + clock(data.acknowledgeBy) + '.' : '';
  const shown = self.registration.showNotification(title, {
    body,
    lang: 'sv',
    tag: data.caseId,
    renotify: true,
    requireInteraction: data.urgency === 'immediate' || step !== 'routed',
    data: { url: data.acknowledgeUrl || data.url || '/' },
  });
  // The receipt tells the service the alert is on the screen, so no SMS follows it. A receipt that
  // does not get through only means the SMS comes as well.
  event.waitUntil(shown.then(() => (data.receipt
    ? fetch('/api/v1/push-receipts', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ receipt: data.receipt }),
      credentials: 'omit',
    }).catch(() => undefined)
    : undefined)));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
