/* The story desk's small helpers. Everything here is optional: with JavaScript off, every
   form on the desk still works as a plain post. No inline handlers, no eval (strict CSP). */
(function () {
  "use strict";

  // htmx swaps only 2xx answers by default. The desk answers bad input (400), conflicts (409)
  // and rate limits (429) with the form to show in place, so those are swapped too.
  var SWAP_ON_ERROR = [400, 409, 422, 429];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (SWAP_ON_ERROR.indexOf(status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A swap that replaces the focused button would leave the keyboard at the top of the page.
  // htmx focuses an [autofocus] in what arrives; failing that, the focus goes to the first field
  // in error, else the notice that says what happened, else the new region itself. Only then:
  // the desk's own polling never moves anyone's focus.
  var focusWasIn = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    focusWasIn = active && active !== document.body && target && target.contains(active) ? target : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!focusWasIn || event.detail.target !== focusWasIn) return;
    focusWasIn = null;
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    var region = event.target;
    if (!region || !region.isConnected || !region.querySelector) return;
    var next = region.querySelector("[aria-invalid='true'], .field--error :is(input, select, textarea), .notice") || region;
    if (!next.matches("input, select, textarea, button, a[href]")) next.setAttribute("tabindex", "-1");
    next.focus();
  });

  // Anything else that fails says so, instead of the button just coming back to life.
  function flash(message) {
    var box = document.getElementById("desk-flash");
    if (!box) {
      window.alert(message);
      return;
    }
    box.textContent = message;
    box.classList.add("desk-flash--shown");
    window.clearTimeout(flash.timer);
    flash.timer = window.setTimeout(function () {
      box.classList.remove("desk-flash--shown");
    }, 8000);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (SWAP_ON_ERROR.indexOf(status) !== -1) return;
    if (status === 403) {
      flash("You are not allowed to do that on this story (403). Your text is still here.");
    } else {
      flash("The server could not do that (" + status + "). Your text is still here; try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    flash("No connection to the newsroom. Your text is still here; try again in a moment.");
  });

  // Ctrl+Enter (Cmd+Enter on a Mac) in a text box presses its form's main button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var box = event.target;
    if (!box.matches || !box.matches("[data-submit-shortcut]")) return;
    var form = box.form;
    var button = form && form.querySelector("[data-shortcut-target]");
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
  });

  // Propose the slug from the headline until someone types a slug of their own.
  function slugify(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9\s-]/g, "")
      .trim()
      .replace(/[\s-]+/g, "-")
      .slice(0, 200);
  }
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.form) return;
    if (target.matches("[data-slug-from]")) {
      target.dataset.touched = target.value ? "true" : "";
      return;
    }
    var slug = target.form.querySelector("[data-slug-from='" + target.name + "']");
    if (slug && !slug.dataset.touched) slug.value = slugify(target.value);
  });

  // A character count under the compose box, warning before the server refuses.
  function count(box) {
    var out = document.querySelector("[data-count-for='" + box.id + "']");
    var limit = parseInt(box.dataset.maxChars, 10);
    if (!out || !limit) return;
    var used = box.value.length;
    out.textContent = used ? used.toLocaleString() + " / " + limit.toLocaleString() : "";
    out.classList.toggle("compose__count--over", used > limit);
  }

  // The compose box keeps unsent text in this browser, so a reload or an expired session
  // does not lose a paragraph written against the clock.
  function storageKey(form) {
    return "liveblog:" + form.dataset.autosave;
  }
  function remember(form) {
    try {
      var body = form.elements.body;
      if (body.value.trim()) window.localStorage.setItem(storageKey(form), body.value);
      else window.localStorage.removeItem(storageKey(form));
    } catch (e) {
      /* private mode: nothing to keep */
    }
  }
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-max-chars]")) count(target);
    if (target.form && target.form.dataset.autosave && target.name === "body") remember(target.form);
  });

  function forget(form) {
    try {
      window.localStorage.removeItem(storageKey(form));
    } catch (e) {
      /* nothing kept */
    }
  }
  function restore(form) {
    var body = form.elements.body;
    var kept = null;
    try {
      kept = window.localStorage.getItem(storageKey(form));
    } catch (e) {
      kept = null;
    }
    if (!kept || body.value) return;
    body.value = kept;
    var note = document.createElement("p");
    note.className = "field__help compose__restored";
    note.textContent = "Restored the text you had not sent yet.";
    body.insertAdjacentElement("afterend", note);
    // After htmx has wired up the page (it may start after us), draw the preview.
    window.setTimeout(function () {
      var preview = document.getElementById("compose-preview");
      if (preview && window.htmx) window.htmx.trigger(preview, "desk:preview");
    }, 0);
  }

  function setUp(root) {
    if (!root || !root.querySelectorAll) return;
    var forms = Array.prototype.slice.call(root.querySelectorAll("form[data-autosave]"));
    if (root.matches && root.matches("form[data-autosave]")) forms.push(root);
    forms.forEach(function (form) {
      // A compose box drawn after a successful publish or draft: what was kept is sent.
      if (form.closest("[data-sent]")) forget(form);
      else restore(form);
    });
    root.querySelectorAll("[data-max-chars]").forEach(count);
    root.querySelectorAll("[data-post-card-form]").forEach(function (box) {
      box.hidden = false;
    });
    // A headline typed before this script arrived still gets its slug proposed.
    root.querySelectorAll("[data-slug-from]").forEach(function (slug) {
      var source = slug.form && slug.form.elements[slug.dataset.slugFrom];
      if (source && source.value && !slug.value) slug.value = slugify(source.value);
    });
  }
  // Publish follows the story's state as the desk last heard it (#desk-changes, redrawn by the
  // desk's poll and with every answer about the story header): disabled, with the notice, from
  // the moment coverage ends, here or in another editor's tab; back when it is reopened. The
  // server refuses a publish after the end whatever this page shows.
  function reflectState() {
    var marker = document.getElementById("desk-changes");
    var compose = document.getElementById("compose");
    if (!marker || !compose) return;
    var ended = marker.getAttribute("data-story-state") === "ended";
    compose.querySelectorAll("[data-publish]").forEach(function (button) {
      if (button.disabled !== ended) button.disabled = ended;
    });
    var note = compose.querySelector("[data-ended-note]");
    if (note && note.hidden === ended) note.hidden = !ended;
  }

  // "Add a social post": the card's fields become a ```post block (incidents/social_cards.py)
  // put into the update's text where the cursor is; the preview then shows the card.
  function cardField(box, name) {
    return box.querySelector("[name='card_" + name + "']");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-insert-post-card]");
    if (!button) return;
    var box = button.closest("[data-post-card-form]");
    var body = button.form && button.form.elements.body;
    if (!box || !body) return;
    var missing = ["url", "author", "text"].filter(function (name) {
      var field = cardField(box, name);
      var empty = !field.value.trim();
      field.setCustomValidity(empty ? "Needed for the card." : "");
      field.setAttribute("aria-invalid", empty ? "true" : "false");
      return empty;
    });
    if (missing.length) {
      cardField(box, missing[0]).reportValidity();
      cardField(box, missing[0]).focus();
      return;
    }
    var fence = "`".repeat(3);
    var lines = [fence + "post", "url: " + cardField(box, "url").value.trim(), "author: " + cardField(box, "author").value.trim()];
    ["handle", "posted"].forEach(function (name) {
      var value = cardField(box, name).value.trim();
      if (value) lines.push(name + ": " + value);
    });
    lines.push(cardField(box, "text").value.trim().split(fence).join("'''"), fence);
    var at = body.selectionStart || body.value.length;
    var before = body.value.slice(0, at).replace(/\s*$/, "");
    var after = body.value.slice(at).replace(/^\s*/, "");
    body.value = (before ? before + "\n\n" : "") + lines.join("\n") + "\n\n" + after;
    ["url", "author", "handle", "posted", "text"].forEach(function (name) {
      cardField(box, name).value = "";
    });
    box.open = false;
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // The desk hears of a change the moment readers do: the story's live stream (the readers'
  // own, for a public story) makes the desk's poll (#desk-changes) ask at once, so another tab's
  // publish or end of coverage shows here without waiting for the poll's 10 s. A change this tab
  // made itself has moved the poll's `since` on by the time it asks (the answer to the change
  // carries it), so it is not announced as news.
  var CHANGE_KINDS = ["published", "edited", "retracted", "pinned", "story", "ended", "withdrawn"];
  var SETTLE_MS = 1000; // lets this tab's own answer land before the poll asks

  function sinceOf(marker) {
    var match = /[?&]since=(\d+)/.exec(marker.getAttribute("hx-get") || "");
    return match ? parseInt(match[1], 10) : 0;
  }

  var stream = null;

  // Once coverage ends the stream closes for good (the server answers 204); the poll sees the
  // story reopened, and then the desk listens again.
  function listen() {
    var desk = document.querySelector(".desk[data-events-url]");
    var marker = document.getElementById("desk-changes");
    if (!desk || !marker || !window.EventSource) return;
    if (marker.getAttribute("data-story-state") === "ended") return;
    if (stream && stream.readyState !== EventSource.CLOSED) return;
    stream = new EventSource(desk.getAttribute("data-events-url") + "?cursor=" + sinceOf(marker));
    CHANGE_KINDS.forEach(function (kind) {
      stream.addEventListener(kind, function (event) {
        var sequence = parseInt(event.lastEventId, 10) || 0;
        setTimeout(function () {
          var current = document.getElementById("desk-changes");
          if (current && window.htmx && sequence > sinceOf(current)) {
            window.htmx.trigger(current, "desk:changed");
          }
        }, SETTLE_MS);
      });
    });
  }

  // "Copy embed code": the readonly box's text to the clipboard (selected, too, so that
  // Ctrl+C works where the clipboard is refused). Without scripts the box is there to select.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var box = document.querySelector(button.getAttribute("data-copy"));
    var said = button.parentNode.querySelector("[data-copied]");
    if (!box) return;
    box.focus();
    box.select();
    function tell(text) {
      if (said) said.textContent = text;
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(box.value).then(
        function () {
          tell("Copied.");
        },
        function () {
          tell("Selected: press Ctrl+C (⌘C) to copy.");
        }
      );
    } else {
      tell("Selected: press Ctrl+C (⌘C) to copy.");
    }
  });
  function showCopyButtons(root) {
    root.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showCopyButtons(document);
    setUp(document);
    reflectState();
    listen();
  });
  document.addEventListener("htmx:load", function (event) {
    setUp(event.detail.elt);
    reflectState();
  });
  document.addEventListener("htmx:afterSettle", function () {
    reflectState();
    listen();
  });
})();
