// codes.js adds what needs a script to a page that works without one: a
// button data-print prints the page (the print stylesheet keeps only the
// content), and a button data-copy="ID" copies the text of the element ID,
// one line per list item, saying so in the page's role="status" line (the
// button's data-copied or data-copy-failed text). Both buttons are hidden
// until this file shows them; elements data-hide-with-script (the hint to
// use the browser's own print command) are hidden when it runs.
(function () {
  "use strict";
  var status = document.querySelector("[role=status][aria-live]");
  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }
  document.querySelectorAll("[data-print]").forEach(function (b) {
    if (!window.print) {
      return;
    }
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-hide-with-script]").forEach(function (e) {
    e.hidden = true;
  });
  if (!navigator.clipboard || !navigator.clipboard.writeText) {
    return;
  }
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    var target = document.getElementById(b.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    b.hidden = false;
    b.addEventListener("click", function () {
      var items = target.querySelectorAll("li");
      var text = items.length ? Array.prototype.map.call(items, function (li) { return li.textContent.trim(); }).join("\n") : target.textContent.trim();
      navigator.clipboard.writeText(text + "\n").then(function () {
        say(b.getAttribute("data-copied"));
      }, function () {
        say(b.getAttribute("data-copy-failed"));
      });
    });
  });
})();
