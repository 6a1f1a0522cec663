// The embeddable live widget (/stories/<slug>/embed/), inside a partner's frame. live.js follows
// the story exactly as on the article; this script
// - keeps the newest data-embed-updates updates (new ones arrive at the top; the oldest go),
// - points each "UPDATE N" at its permalink: updates that arrive live are the article's own
//   rendering, whose label links to "#update-N" on the page,
// - tells the page around the frame how tall the widget is, whenever that changes:
//     parent.postMessage({type: "liveblog:embed-height", story: "<slug>", height: <px>}, "*")
//   (static/js/embed-resize.js, on the partner's page, fits the frame to it).
(function () {
  "use strict";

  var MESSAGE = "liveblog:embed-height";
  var article = document.querySelector("article.story[data-embed]");
  if (!article) return;
  var limit = parseInt(article.getAttribute("data-embed-updates"), 10) || 10;
  var slug = article.getAttribute("data-story");
  var storyUrl = article.getAttribute("data-story-url");
  var toldHeight = -1;

  function keepNewest() {
    var timeline = document.getElementById("timeline");
    if (!timeline) return;
    var updates = timeline.querySelectorAll(":scope > article.update");
    for (var i = limit; i < updates.length; i += 1) updates[i].remove();
    timeline.querySelectorAll(":scope > .timeline__day").forEach(function (heading) {
      var next = heading.nextElementSibling;
      if (!next || !next.matches("article.update")) heading.remove();
    });
  }

  function pointAtPermalinks() {
    article.querySelectorAll('a.update__label[href^="#update-"]').forEach(function (link) {
      var number = link.getAttribute("href").slice("#update-".length);
      link.setAttribute("href", storyUrl + "updates/" + number + "/");
    });
  }

  function tellHeight() {
    if (window.parent === window) return;
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === toldHeight) return;
    toldHeight = height;
    window.parent.postMessage({ type: MESSAGE, story: slug, height: height }, "*");
  }

  // The headline follows the story: the article's header arrives with each change (live.js
  // hands its regions over), and its headline, our own template's markup, is copied in.
  document.addEventListener("liveblog:regions", function (event) {
    var fresh = event.detail.querySelector("#story-header .story__headline");
    var link = article.querySelector(".embed__headline a");
    if (!fresh || !link) return;
    link.replaceChildren.apply(link, Array.prototype.map.call(fresh.childNodes, function (node) {
      return node.cloneNode(true);
    }));
    document.title = "Live: " + fresh.textContent;
  });

  new MutationObserver(function () {
    keepNewest();
    pointAtPermalinks();
  }).observe(article, { childList: true, subtree: true });
  if (typeof window.ResizeObserver === "function") {
    new ResizeObserver(tellHeight).observe(document.body);
  } else {
    window.addEventListener("resize", tellHeight);
    setInterval(tellHeight, 1000);
  }
  keepNewest();
  pointAtPermalinks();
  tellHeight();
})();
