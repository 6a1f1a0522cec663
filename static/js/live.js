// The reader's live article: follows the story's event stream and applies each change in place.
//
// Our own small script on EventSource rather than htmx's SSE extension: the extension swaps
// fragments well, but after a failed connection it opens a new EventSource on its original URL,
// so a reader who reconnects is replayed from the page's first cursor and sees changes twice. It
// also cannot hold new updates behind a button or fall back to polling.
//
// Every change carries its sequence number. A change at or below the last one applied is
// ignored, so a reconnect (EventSource's own, with Last-Event-ID, or ours, with ?cursor=) or a
// switch to polling applies each change exactly once, in order.
//
// A reader the server cannot replay (a cursor it does not know, or one too far behind) gets a
// "reset": the page fetches its article again and swaps in the fresh timeline and header, then
// follows from there, without reloading the page.
//
// The newest event of each delivery also carries the story's regions (its header, its corrections
// log): every element in it with an id and data-story-region replaces the page's element of that
// id. So the "last updated" time, the corrections and "Coverage ended at" stay current.
//
// While the story is live, each update's time reads "12 min ago", kept current by one timer that
// writes only the texts that changed; the absolute time stays in its title and datetime. A day
// heading goes wherever the day changes between two updates, as the server draws them.
//
// The article's data-connection says how the page is following the story: "stream",
// "polling", "resetting" or "closed".
//
// A long story comes in pages (?page=N). New updates arrive in place only on the page that
// holds the newest end of the timeline (the timeline's data-live-end: page 1 when newest
// first, the last page when oldest first, or any page once "Show more updates" has reached
// the end). A reader on another page is not disturbed: a notice links to the latest updates.
// Edits, retractions and pins of the updates the page shows still apply there, so withdrawn
// text never stays on screen.
(function () {
  "use strict";

  var article = document.querySelector("article.story[data-events-url]");
  var timeline = document.getElementById("timeline");
  if (!article || !timeline) return;

  var KINDS = ["published", "edited", "retracted", "pinned", "story", "ended", "withdrawn"];
  var MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."];
  var MAX_FAILURES = 4; // failed connections in a row before polling instead
  var SSE_RETRY_MS = 120000; // while polling after failures, try the stream again this often
  var TIMES_KEY = "liveblog.times";
  var RELATIVE_TICK_MS = 30000; // how often relative times ("12 min ago") are brought up to date

  var order = timeline.getAttribute("data-order") === "newest" ? "newest" : "oldest";
  var newButton = document.querySelector("[data-new-updates]");
  var latestNotice = document.querySelector("[data-latest-notice]");
  var announcer = document.querySelector("[data-live-announcer]");
  var timeToggle = document.querySelector("[data-time-toggle]");
  var lastSequence = parseInt(article.getAttribute("data-sequence"), 10) || 0;
  var pending = []; // new updates waiting behind the "N new updates" button
  var unseenWhileHidden = 0;
  var stopped = article.getAttribute("data-state") !== "live";
  var source = null;
  var failures = 0;
  var polling = false;
  var pollTimer = null;
  var pollMs = 5000;
  var messages = [];
  var announceTimer = null;
  var resetting = false;
  var resetsInARow = 0; // a page cached somewhere may still be too old: back off
  var relativeTimes = !stopped; // "12 min ago" while the story is live

  // --- applying a change ---------------------------------------------------------------

  function apply(kind, sequence, html) {
    if (!(sequence > lastSequence)) return;
    lastSequence = sequence;
    resetsInARow = 0;
    article.setAttribute("data-sequence", String(sequence));
    var template = document.createElement("template");
    template.innerHTML = html;
    replaceRegions(template.content);
    if (kind === "story") noticeNewOrder();
    if (kind === "story" || kind === "ended" || kind === "withdrawn") {
      if (kind === "ended") {
        article.setAttribute("data-state", "ended");
        say("Live coverage has ended.");
        stop();
      }
      return;
    }
    var update = template.content.querySelector("article.update");
    if (!update) return;
    showTimes(update);
    var waiting = indexOfPending(update.id);
    if (waiting >= 0) {
      pending[waiting] = update;
      return;
    }
    var shown = document.getElementById(update.id);
    if (shown) {
      update.classList.toggle("update--fresh", shown.classList.contains("update--fresh"));
      shown.replaceWith(update);
      placeOnThisPage(update);
      if (kind === "retracted") say(label(update) + " was retracted.");
      else if (kind === "edited") say(label(update) + " was updated.");
      return;
    }
    if (!holdsLiveEnd()) {
      // Not this page's update: a new one is announced by the notice, not placed.
      if (kind === "published") showLatestNotice();
      return;
    }
    if (kind === "retracted") {
      // Published and retracted since this page last heard (a replay holds only the newest):
      // its notice goes where the page itself would show it, without an announcement.
      place(update);
      return;
    }
    if (document.hidden) unseenWhileHidden += 1;
    update.classList.add("update--fresh");
    if (awayFromNewest()) {
      pending.push(update);
      refreshButton();
      say(pending.length === 1 ? "1 new update." : pending.length + " new updates.");
    } else {
      place(update);
      say("New: " + label(update) + ". " + summary(update));
    }
    refreshTitle();
  }

  // The story's regions (header, corrections log...) in `root` replace the page's, by id.
  function replaceRegions(root) {
    var regions = root.querySelectorAll("[data-story-region][id]");
    if (!regions.length) return;
    // For a page that shows the story its own way (the embed, static/js/embed.js).
    document.dispatchEvent(new CustomEvent("liveblog:regions", { detail: root }));
    Array.prototype.forEach.call(regions, function (region) {
      var current = document.getElementById(region.id);
      if (!current || !current.hasAttribute("data-story-region")) return;
      showTimes(region);
      current.replaceWith(region);
    });
    refreshTitle();
  }

  // The newsroom changed the story's reading order: a page that follows it (no ?order=) says so
  // and offers the new order, rather than moving everything under the reader's eyes.
  function noticeNewOrder() {
    var notice = document.querySelector("[data-order-notice]");
    var header = document.getElementById("story-header");
    if (!notice || !header) return;
    var storyOrder = header.getAttribute("data-reading-order");
    if (storyOrder !== "newest" && storyOrder !== "oldest") return;
    if (storyOrder === order) {
      notice.hidden = true;
      return;
    }
    notice.querySelector("[data-order-notice-order]").textContent =
      storyOrder === "newest" ? "newest first" : "oldest first";
    // Named in the address: the page without it may still sit in the browser's cache.
    notice.querySelector("a").setAttribute("href", "?order=" + storyOrder);
    if (notice.hidden) {
      notice.hidden = false;
      say("The newsroom now shows this story's updates " + (storyOrder === "newest" ? "newest first." : "oldest first."));
    }
  }

  function indexOfPending(id) {
    for (var i = 0; i < pending.length; i += 1) if (pending[i].id === id) return i;
    return -1;
  }

  function label(update) {
    var link = update.querySelector(".update__label");
    return link ? link.textContent.trim() : "An update";
  }

  function summary(update) {
    var body = update.querySelector(".update__body");
    var text = body ? body.textContent.replace(/\s+/g, " ").trim() : "";
    return text.length > 140 ? text.slice(0, 139) + "…" : text;
  }

  // --- where an update goes: by time in the page's order ------------------------------

  function sortKey(update) {
    var time = update.querySelector(".update__time");
    return {
      time: parseTime(time && time.getAttribute("datetime")),
      number: parseInt(update.getAttribute("data-number"), 10) || 0,
    };
  }

  function comesBefore(a, b) {
    var difference = a.time - b.time || a.number - b.number;
    return order === "oldest" ? difference < 0 : difference > 0;
  }

  function place(update) {
    var empty = timeline.querySelector(".timeline__empty");
    if (empty) empty.remove();
    if (update.parentNode) update.remove();
    var key = sortKey(update);
    var others = timeline.querySelectorAll(":scope > article.update");
    var placed = false;
    for (var i = 0; i < others.length && !placed; i += 1) {
      if (comesBefore(key, sortKey(others[i]))) {
        timeline.insertBefore(update, others[i]);
        placed = true;
      }
    }
    // After the last update, before the links to other pages.
    if (!placed) timeline.insertBefore(update, timeline.querySelector(":scope > .timeline-pages"));
    refreshDays();
  }

  // A heading wherever the day (in the story's zone) changes between two updates, as the server
  // draws them. Touches only headings that are wrong.
  function refreshDays() {
    var previous = null;
    timeline.querySelectorAll(":scope > .timeline__day").forEach(function (heading) {
      var next = heading.nextElementSibling;
      if (!next || !next.matches("article.update")) heading.remove();
    });
    timeline.querySelectorAll(":scope > article.update").forEach(function (update) {
      var before = update.previousElementSibling;
      var heading = before && before.classList.contains("timeline__day") ? before : null;
      var day = update.getAttribute("data-day");
      var wanted = previous !== null && day !== previous;
      previous = day;
      if (!wanted) {
        if (heading) heading.remove();
        return;
      }
      var text = update.getAttribute("data-day-label") || day;
      if (!heading) {
        heading = document.createElement("h2");
        heading.className = "timeline__day";
        timeline.insertBefore(heading, update);
      }
      if (heading.textContent !== text) heading.textContent = text;
    });
  }

  // --- pages: where new updates arrive, and what a page away from it shows -----------------

  function holdsLiveEnd() {
    if (timeline.hasAttribute("data-live-end")) return true;
    // Oldest first, "Show more updates" followed to the end: this page now ends at the newest.
    return order === "oldest" && !timeline.querySelector("[data-more-updates]");
  }

  // An update whose time was edited stays only if its time still falls within this page.
  function placeOnThisPage(update) {
    place(update);
    if (holdsLiveEnd()) return;
    var own = timeline.querySelectorAll(":scope > article.update");
    if (own.length > 1 && (own[0] === update || own[own.length - 1] === update)) {
      update.remove();
      refreshDays();
    }
  }

  function showLatestNotice() {
    if (!latestNotice || !latestNotice.hidden) return;
    latestNotice.hidden = false;
    say("New updates have been posted.");
  }

  // "Show older updates" (htmx) adds a page in place of its link. The same update twice (pages
  // moved on while the reader read) keeps its first copy, which the page has kept current; the
  // focus, which was on the link, goes to the first update added.
  var lastBeforeMore = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.target.closest || !event.target.closest("[data-timeline-pages]")) return;
    var shown = timeline.querySelectorAll(":scope > article.update");
    lastBeforeMore = shown[shown.length - 1] || null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var seen = {};
    timeline.querySelectorAll(":scope > article.update").forEach(function (update) {
      if (seen[update.id]) update.remove();
      else seen[update.id] = true;
    });
    refreshDays();
    showTimes(timeline);
    if (latestNotice && holdsLiveEnd()) latestNotice.hidden = true;
    var added = lastBeforeMore && lastBeforeMore.nextElementSibling;
    lastBeforeMore = null;
    if (added && added.matches("article.update")) {
      added.setAttribute("tabindex", "-1");
      added.focus({ preventScroll: true });
    }
  });

  // --- new updates wait while the reader is elsewhere on the page ----------------------

  function awayFromNewest() {
    var box = timeline.getBoundingClientRect();
    if (order === "newest") return box.top < -120;
    return box.bottom > window.innerHeight + 120;
  }

  function refreshButton() {
    if (!newButton) return;
    newButton.hidden = pending.length === 0;
    newButton.textContent = pending.length === 1 ? "1 new update" : pending.length + " new updates";
  }

  function showPending(scroll) {
    if (!pending.length) return;
    var shown = pending;
    pending = [];
    shown.forEach(place);
    refreshButton();
    refreshTitle();
    if (scroll) {
      var first = shown[0];
      first.setAttribute("tabindex", "-1");
      first.scrollIntoView({ block: "start" });
      first.focus({ preventScroll: true });
    }
  }

  function refreshTitle() {
    var headline = document.querySelector("#story-header .story__headline");
    var base = headline ? headline.textContent.replace(/\s+/g, " ").trim() : document.title;
    var count = Math.max(pending.length, unseenWhileHidden);
    document.title = count ? "(" + count + ") " + base : base;
  }

  // --- announcements for screen readers ------------------------------------------------

  function say(message) {
    if (!announcer) return;
    messages.push(message);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () {
      announcer.textContent = messages.join(" ");
      messages = [];
    }, 400);
  }

  // --- the event stream, and polling when it cannot be kept open -----------------------

  function connect() {
    if (stopped) return;
    if (typeof window.EventSource !== "function") {
      startPolling();
      return;
    }
    var url = article.getAttribute("data-events-url") + "?cursor=" + lastSequence;
    var stream = new EventSource(url);
    source = stream;
    KINDS.forEach(function (kind) {
      stream.addEventListener(kind, function (event) {
        apply(kind, parseInt(event.lastEventId, 10), event.data);
      });
    });
    stream.addEventListener("reset", function () {
      if (stream !== source) return;
      stream.close();
      source = null;
      reloadTimeline();
    });
    stream.addEventListener("open", function () {
      failures = 0;
      article.setAttribute("data-connection", "stream");
      if (polling) stopPolling();
    });
    stream.addEventListener("error", function () {
      if (stopped || stream !== source) return;
      failures += 1;
      if (failures >= MAX_FAILURES) {
        stream.close();
        source = null;
        startPolling();
        setTimeout(connect, SSE_RETRY_MS);
      } else if (stream.readyState === EventSource.CLOSED) {
        // The browser gave up on this one (an error status): resume from what we have.
        source = null;
        setTimeout(connect, 1000 * failures);
      }
      // Otherwise the browser reconnects by itself, sending Last-Event-ID.
    });
  }

  function startPolling() {
    if (stopped || polling) return;
    polling = true;
    article.setAttribute("data-connection", "polling");
    poll();
  }

  function stopPolling() {
    polling = false;
    clearTimeout(pollTimer);
  }

  function poll() {
    if (stopped || !polling) return;
    var url = article.getAttribute("data-updates-url") + "?since=" + lastSequence;
    fetch(url, { headers: { Accept: "text/html" } })
      .then(function (response) {
        var seconds = parseInt(response.headers.get("X-Poll-Seconds"), 10);
        if (seconds > 0) pollMs = seconds * 1000;
        if (response.status === 404) stop();
        if (!response.ok) return null;
        return response.text().then(function (html) {
          applyBatch(html);
          if (response.status === 286) stop(); // htmx's "stop polling": coverage ended
        });
      })
      .catch(function () {})
      .then(function () {
        if (!stopped && polling) pollTimer = setTimeout(poll, pollMs);
      });
  }

  function applyBatch(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    if (holder.content.querySelector(".live-batch[data-reset]")) {
      reloadTimeline();
      return;
    }
    holder.content.querySelectorAll("template[data-kind]").forEach(function (change) {
      apply(
        change.getAttribute("data-kind"),
        parseInt(change.getAttribute("data-sequence"), 10),
        change.innerHTML
      );
    });
  }

  // --- a reset: the article fetched again, its timeline and header swapped in ------------

  function reloadTimeline() {
    if (resetting) return;
    resetting = true;
    resetsInARow += 1;
    var wasPolling = polling;
    stopPolling();
    article.setAttribute("data-connection", "resetting");
    fetch(window.location.pathname + window.location.search, {
      headers: { Accept: "text/html" },
      cache: "no-cache",
    })
      .then(function (response) {
        if (response.status === 404) stop();
        if (!response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var freshArticle = fresh.querySelector("article.story[data-events-url]");
        var freshTimeline = fresh.getElementById("timeline");
        if (!freshArticle || !freshTimeline) throw new Error("no timeline");
        pending = [];
        refreshButton();
        freshTimeline.setAttribute("data-order", order);
        showTimes(freshTimeline);
        timeline.replaceWith(freshTimeline);
        timeline = freshTimeline;
        replaceRegions(fresh);
        lastSequence = parseInt(freshArticle.getAttribute("data-sequence"), 10) || 0;
        article.setAttribute("data-sequence", String(lastSequence));
        article.setAttribute("data-state", freshArticle.getAttribute("data-state") || "live");
        refreshTitle();
        if (freshArticle.getAttribute("data-state") !== "live") stop();
      })
      .catch(function () {
        failures += 1; // try again, later each time
      })
      .then(function () {
        resetting = false;
        if (stopped) return;
        var wait = resetsInARow > 1 ? 1000 * Math.min(resetsInARow, 30) : 0;
        if (wasPolling) setTimeout(startPolling, wait);
        else setTimeout(connect, wait + 1000 * Math.min(failures, 4));
      });
  }

  function stop() {
    stopped = true;
    if (relativeTimes) {
      relativeTimes = false; // coverage over: times read as the moments they were
      showTimes(article);
      pending.forEach(showTimes);
    }
    article.setAttribute("data-connection", "closed");
    if (source) source.close();
    source = null;
    stopPolling();
  }

  // --- times in the story's timezone or the reader's own -------------------------------

  var readerTimes = false;
  try {
    readerTimes = window.localStorage.getItem(TIMES_KEY) === "reader";
  } catch (error) {
    readerTimes = false;
  }

  function parseTime(value) {
    if (!value) return 0;
    // "2026-11-24T16:51:00+0000": add the colon some engines want in the offset.
    var time = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
    return isNaN(time) ? 0 : time;
  }

  function readerText(element, storyText) {
    var time = parseTime(element.getAttribute("datetime"));
    if (!time) return storyText;
    var moment = new Date(time);
    var hours = moment.getHours();
    var minutes = moment.getMinutes();
    var text;
    if (hours === 12 && minutes === 0) text = "noon";
    else if (hours === 0 && minutes === 0) text = "midnight";
    else {
      text = String(hours % 12 || 12) + (minutes ? ":" + String(minutes).padStart(2, "0") : "");
      text += hours < 12 ? " a.m." : " p.m.";
    }
    var zone = "";
    try {
      var parts = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(moment);
      parts.forEach(function (part) {
        if (part.type === "timeZoneName") zone = part.value;
      });
    } catch (error) {
      zone = "";
    }
    text = zone ? text + " " + zone : text;
    var dated = MONTHS.some(function (month) {
      return storyText.indexOf(month + " ") === 0;
    });
    if (dated) {
      var year = /\d{4}/.test(storyText) ? ", " + moment.getFullYear() : "";
      text = MONTHS[moment.getMonth()] + " " + moment.getDate() + year + ", " + text;
    }
    return text;
  }

  // "just now", "12 min ago", "2 hr ago"; null once a day has passed (the absolute time shows).
  function relativeText(element) {
    var time = parseTime(element.getAttribute("datetime"));
    if (!time) return null;
    var minutes = Math.floor((Date.now() - time) / 60000);
    if (minutes < 1) return "just now";
    if (minutes < 60) return minutes + " min ago";
    if (minutes < 24 * 60) return Math.floor(minutes / 60) + " hr ago";
    return null;
  }

  function showTime(element) {
    if (!element.hasAttribute("data-story-text")) {
      element.setAttribute("data-story-text", element.textContent);
    }
    var storyText = element.getAttribute("data-story-text");
    var text = relativeTimes && element.classList.contains("update__time") ? relativeText(element) : null;
    if (text === null) text = readerTimes ? readerText(element, storyText) : storyText;
    if (element.textContent !== text) element.textContent = text; // no write when nothing changed
  }

  // Times the page writes; never one inside what an author wrote (a social-post card's time is
  // the post's own wall-clock time, in no zone we know).
  function showTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (element) {
      if (!element.closest(".update__body, .summary__body, .story__intro")) showTime(element);
    });
  }

  // One timer for every relative time on the page; it writes only the texts that changed.
  function tickRelativeTimes() {
    if (!relativeTimes) return;
    timeline.querySelectorAll("time.update__time").forEach(showTime);
    pending.forEach(function (update) {
      update.querySelectorAll("time.update__time").forEach(showTime);
    });
  }

  function refreshToggle() {
    if (!timeToggle) return;
    timeToggle.hidden = false;
    timeToggle.setAttribute("aria-pressed", readerTimes ? "true" : "false");
    timeToggle.textContent = readerTimes ? "Show times in the story’s timezone" : "Show times in my timezone";
  }

  // --- start ---------------------------------------------------------------------------

  if (timeToggle) {
    timeToggle.addEventListener("click", function () {
      readerTimes = !readerTimes;
      try {
        window.localStorage.setItem(TIMES_KEY, readerTimes ? "reader" : "story");
      } catch (error) {
        // Private browsing without storage: the choice lasts for this page only.
      }
      showTimes(article);
      pending.forEach(showTimes);
      refreshToggle();
    });
  }
  if (newButton) {
    newButton.addEventListener("click", function () {
      showPending(true);
    });
  }
  var scrollQueued = false;
  window.addEventListener(
    "scroll",
    function () {
      if (scrollQueued || !pending.length) return;
      scrollQueued = true;
      window.requestAnimationFrame(function () {
        scrollQueued = false;
        if (!awayFromNewest()) showPending(false);
      });
    },
    { passive: true }
  );
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      unseenWhileHidden = 0;
      refreshTitle();
    }
  });

  showTimes(article);
  refreshToggle();
  if (relativeTimes) setInterval(tickRelativeTimes, RELATIVE_TICK_MS);
  connect();
})();
