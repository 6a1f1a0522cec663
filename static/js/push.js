// The article's "Notify me" control: turns browser notifications of this story on and off.
//
// The control is in the page only when the site has VAPID keys and the story is live, and it
// stays hidden unless this browser can do push (a service worker, PushManager, Notification).
// Turning on: the reader's permission, the browser's push subscription (one per browser, made
// with the site's public key, shared by every story the reader follows), then the story's
// subscribe endpoint keeps it with the reader's choice: key events or every update. Turning off
// removes it for this story; the browser's own subscription ends when no story uses it.
//
// The page is cached and cookie-free, so which stories this browser follows is kept here, in
// localStorage, not read from the server.
(function () {
  "use strict";

  var box = document.querySelector("[data-push]");
  if (!box) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return;
  }

  var STORE = "liveblog.push";
  var onButton = box.querySelector("[data-push-on]");
  var offButton = box.querySelector("[data-push-off]");
  var choice = box.querySelector("[data-push-events]");
  var status = box.querySelector("[data-push-status]");
  var subscribeUrl = box.getAttribute("data-push-subscribe");
  var unsubscribeUrl = box.getAttribute("data-push-unsubscribe");
  var story = box.getAttribute("data-push-story");
  var registration = null;

  function followed() {
    try {
      return JSON.parse(localStorage.getItem(STORE) || "{}") || {};
    } catch (error) {
      return {};
    }
  }

  function remember(events) {
    var all = followed();
    if (events) all[story] = events;
    else delete all[story];
    try {
      localStorage.setItem(STORE, JSON.stringify(all));
    } catch (error) {
      /* private mode: the server still knows */
    }
    return all;
  }

  function show(events, message) {
    var on = Boolean(events);
    onButton.hidden = on;
    choice.disabled = on;
    offButton.hidden = !on;
    if (on) choice.value = events;
    status.textContent = message || (on ? (events === "all" ? "Notifications on: every update." : "Notifications on: key events.") : "");
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (response.ok) return response;
      return response.json().then(
        function (data) { throw new Error(data.error || "The server refused."); },
        function () { throw new Error("The server refused (" + response.status + ")."); }
      );
    });
  }

  function turnOn() {
    var events = choice.value;
    onButton.disabled = true;
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") throw new Error("Notifications are blocked for this site in your browser’s settings.");
        return registration.pushManager.getSubscription();
      })
      .then(function (existing) {
        return existing || registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(box.getAttribute("data-push-key")),
        });
      })
      .then(function (subscription) {
        return post(subscribeUrl, { subscription: subscription.toJSON(), events: events });
      })
      .then(function () {
        remember(events);
        show(events);
      })
      .catch(function (error) {
        show(null, "Could not turn on notifications: " + error.message);
      })
      .then(function () {
        onButton.disabled = false;
      });
  }

  function turnOff() {
    offButton.disabled = true;
    registration.pushManager.getSubscription()
      .then(function (subscription) {
        if (!subscription) return null;
        return post(unsubscribeUrl, { subscription: { endpoint: subscription.endpoint } }).then(function () {
          var left = remember(null);
          if (Object.keys(left).length === 0) return subscription.unsubscribe();
          return null;
        });
      })
      .then(function () {
        remember(null);
        show(null, "Notifications off.");
      })
      .catch(function (error) {
        status.textContent = "Could not turn off notifications: " + error.message;
      })
      .then(function () {
        offButton.disabled = false;
      });
  }

  navigator.serviceWorker
    .register(box.getAttribute("data-push-worker"), { scope: box.getAttribute("data-push-scope") })
    .then(function (found) {
      registration = found;
      box.hidden = false;
      box.setAttribute("data-push-ready", "");
      return registration.pushManager.getSubscription();
    })
    .then(function (subscription) {
      var events = followed()[story];
      if (events && !subscription) events = remember(null)[story];
      show(Notification.permission === "granted" ? events : null);
    })
    .catch(function () {
      box.hidden = true;
    });

  onButton.addEventListener("click", turnOn);
  offButton.addEventListener("click", turnOff);
})();
