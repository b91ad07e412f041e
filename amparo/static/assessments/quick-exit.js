/* Amparo quick exit (progressive enhancement; the link works without this script).
   Replaces the current history entry instead of adding one, and answers the Escape key
   pressed twice. Same-origin file: the page's CSP allows no inline script. Licence: AGPL-3.0. */
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  function leave(event) {
    if (event) { event.preventDefault(); }
    document.body.hidden = true;
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - last < 800) { leave(event); }
    last = now;
  });
})();
