/* The "Get updates by email" form (article and subscribe page), sent in place by htmx. Optional:
   with JavaScript off the form posts and a page answers. No inline handlers, no eval (strict CSP). */
(function () {
  "use strict";

  // htmx swaps only 2xx answers by default. This form answers bad input (400), a form from
  // another site (403) and too many requests (429) with itself and the message, to show in place.
  var SWAP_ON_ERROR = [400, 403, 429];
  var sent = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "subscribe") return;
    sent = true;
    if (SWAP_ON_ERROR.indexOf(event.detail.xhr.status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The button that had the focus is gone: the focus goes to the field in error, else to what
  // arrived (the "Check your inbox" notice or the form's message).
  document.addEventListener("htmx:afterSettle", function () {
    if (!sent) return;
    sent = false;
    var region = document.getElementById("subscribe");
    if (!region) return;
    var next = region.querySelector("[aria-invalid='true']") || region.querySelector("[role=alert]") || region;
    if (!next.matches("input, button")) next.setAttribute("tabindex", "-1");
    next.focus();
  });
})();
