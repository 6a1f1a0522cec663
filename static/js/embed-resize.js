// Optional, on a partner's page beside the live widget's embed code: fits each widget frame
// (iframe[data-liveblog-embed]) to its content. The frame (static/js/embed.js) posts
//   {type: "liveblog:embed-height", story: "<slug>", height: <CSS pixels>}
// whenever its height changes; only a message from the frame's own window and origin counts.
(function () {
  "use strict";

  if (window.liveblogEmbedResize) return; // the code pasted twice: one listener is enough
  window.liveblogEmbedResize = true;

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "liveblog:embed-height") return;
    var height = Math.ceil(Number(data.height));
    if (!(height > 0 && height < 100000)) return;
    var frames = document.querySelectorAll("iframe[data-liveblog-embed]");
    for (var i = 0; i < frames.length; i += 1) {
      var frame = frames[i];
      if (frame.contentWindow !== event.source) continue;
      var origin;
      try {
        origin = new URL(frame.src, window.location.href).origin;
      } catch (error) {
        return;
      }
      if (event.origin === origin) frame.style.height = height + "px";
      return;
    }
  });
})();
