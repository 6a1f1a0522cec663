// The service worker for push notifications (incidents/push.py sends them, static/js/push.js
// subscribes). Served at /push/worker.js with the scope of the readers' pages, /stories/; it has
// no fetch handler, so it never stands between a reader and a page.
//
// A message is JSON: {"title": the headline, "body": "UPDATE n: its first sentence", "url": the
// update's permalink, "tag": one per update, so a repeat replaces rather than piles up}.
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function sameSite(address) {
  // Only our own pages open from a notification.
  try {
    var url = new URL(address || "/", self.location.origin);
    return url.origin === self.location.origin ? url.href : self.location.origin + "/";
  } catch (error) {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch (error) {
      data = { body: event.data.text() };
    }
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Live update", {
      body: data.body || "",
      tag: data.tag || undefined,
      data: { url: sameSite(data.url) },
    })
  );
});

// The browser replaced the subscription (its push service renewed or expired it): subscribe
// again with the same options unless the browser already did, and tell the site, which moves
// every story this browser followed to the new endpoint (/push/renew/, beside this script).
// Without the old endpoint there is nothing to move; the reader turns notifications on again.
function renewed(oldSubscription, newSubscription) {
  if (!oldSubscription) return Promise.resolve(null);
  var subscribing = newSubscription
    ? Promise.resolve(newSubscription)
    : self.registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: oldSubscription.options.applicationServerKey,
      });
  return subscribing.then(function (subscription) {
    return fetch(new URL("renew/", self.location.href).href, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ old_endpoint: oldSubscription.endpoint, subscription: subscription.toJSON() }),
    });
  });
}

self.addEventListener("pushsubscriptionchange", function (event) {
  event.waitUntil(renewed(event.oldSubscription, event.newSubscription));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || self.location.origin + "/";
  event.waitUntil(self.clients.openWindow(url));
});
