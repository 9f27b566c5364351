// Shows times in the reader's own time zone beside the visit's, when the two differ.
// Progressive enhancement: without JavaScript the page names the visit's zone already.
(function () {
  "use strict";
  function show() {
    var own = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var lang = document.documentElement.lang || "nl";
    var fmt = new Intl.DateTimeFormat(lang, { hour: "numeric", minute: "2-digit", timeZoneName: "short" });
    document.querySelectorAll("[data-local-range]").forEach(function (el) {
      if (!own || own === el.dataset.zone) { return; }
      var start = new Date(el.dataset.start);
      var end = new Date(el.dataset.end);
      if (isNaN(start) || isNaN(end)) { return; }
      el.textContent = el.dataset.label + ": " + fmt.format(start) + " – " + fmt.format(end);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
})();

// After htmx swaps a part of the page, the server may say where keyboard focus belongs
// (HX-Trigger-After-Settle: {"portal-focus": "<selector>"}): the control that was used
// is gone, and focus must not fall back to the top of the page.
document.body.addEventListener("portal-focus", function (event) {
  "use strict";
  var target = event.detail && document.querySelector(event.detail.value);
  if (target) { target.focus(); }
});

// The header's menu is a <details>: it opens and closes without JavaScript. With it, Escape
// closes the menu (focus back on its button) and so does a click anywhere outside it.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = event.target.closest && event.target.closest("details.nav-menu[open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.nav-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
})();
