// errorsummary.js (every page, from the layout): after a refused form, the
// error summary (web.ErrorSummary, or a module's .errors box)
// takes the keyboard focus, so a screen reader reads it first, and each of
// its links moves the focus to the field it names (a plain #id link only
// scrolls, and leaves the focus behind). Without the script the links still
// go to the fields and the summary is still announced (role="alert").
(function () {
  "use strict";
  function target(link) {
    var id = decodeURIComponent(link.hash.slice(1));
    var el = document.getElementById(id);
    if (!el) return null;
    // A group (fieldset, list of checkboxes) is reached through its first field.
    if (!/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(el.tagName) && el.tabIndex < 0) {
      var f = el.querySelector("input, select, textarea, button");
      if (f) return f;
      el.setAttribute("tabindex", "-1");
    }
    return el;
  }
  function init() {
    // web.ErrorSummary, or a module's own summary of a refused form.
    var summary = document.getElementById("error-summary") || document.querySelector(".errors[role='alert'][tabindex]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (e) {
      var link = e.target.closest("a[href^='#']");
      if (!link) return;
      var el = target(link);
      if (!el) return;
      e.preventDefault();
      // Show the field's label and message with it, not the field alone.
      var label = el.id ? document.querySelector("label[for='" + CSS.escape(el.id) + "']") : null;
      (label || el).scrollIntoView({ block: "start" });
      el.focus({ preventScroll: true });
      if (history.replaceState) history.replaceState(null, "", link.hash);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
