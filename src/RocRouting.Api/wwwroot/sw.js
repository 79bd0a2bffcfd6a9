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
  event.waitUntil(self.registration.showNotification(title, {
    body,
    lang: 'sv',
    tag: data.caseId,
    renotify: true,
    requireInteraction: data.urgency === 'immediate' || step !== 'routed',
    data: { url: data.acknowledgeUrl || data.url || '/' },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
