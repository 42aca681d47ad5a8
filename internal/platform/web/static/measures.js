// measures.js adds blank measures to a report section's form without a
// reload. The section page has, under each norm, a blank measure
// (fieldset[data-blank-measure]) and an "Add another measure" button
// (button[data-add-measure]); without JavaScript that button saves the
// form and comes back to the same section with one more blank measure.
// Here it copies the last blank measure instead, numbered after the
// form's "count" (the form names a measure's fields "m.N."), raises
// "count", and moves the focus to the new measure's title. Nothing is
// saved until the form is (by the Save buttons or the autosave).
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !document.querySelector || !Array.prototype.forEach) {
    return;
  }
  var count = form.querySelector('input[name="count"]');
  if (!count) {
    return;
  }
  var attrs = ["id", "name", "for", "aria-describedby"];

  function renumber(root, from, to) {
    var re = new RegExp("(^|\\s)m\\." + from + "\\.", "g");
    var nodes = [root].concat(Array.prototype.slice.call(root.querySelectorAll("*")));
    nodes.forEach(function (el) {
      attrs.forEach(function (a) {
        var v = el.getAttribute(a);
        if (v) {
          el.setAttribute(a, v.replace(re, "$1m." + to + "."));
        }
      });
    });
  }

  function blank(fs) {
    Array.prototype.forEach.call(fs.querySelectorAll(".field-error"), function (p) {
      p.parentNode.removeChild(p);
    });
    Array.prototype.forEach.call(fs.querySelectorAll("input, textarea, select"), function (el) {
      el.removeAttribute("aria-invalid");
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = false;
      } else if (el.tagName === "SELECT") {
        el.selectedIndex = 0;
      } else if (el.type !== "hidden" || /\.key$/.test(el.name)) {
        el.value = "";
      }
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("button[data-add-measure]"), function (button) {
    button.addEventListener("click", function (ev) {
      var norm = button.getAttribute("data-add-measure");
      var blanks = form.querySelectorAll('fieldset[data-blank-measure="' + norm + '"]');
      if (!blanks.length) {
        return; // let the button post the form
      }
      ev.preventDefault();
      var last = blanks[blanks.length - 1];
      var from = last.getAttribute("data-index");
      var to = parseInt(count.value, 10);
      if (isNaN(to)) {
        return;
      }
      var copy = last.cloneNode(true);
      renumber(copy, from, to);
      copy.setAttribute("data-index", String(to));
      blank(copy);
      var n = blanks.length + 1;
      var legend = copy.querySelector("legend");
      if (legend && legend.getAttribute("data-numbered")) {
        legend.textContent = legend.getAttribute("data-numbered").replace("%d", String(n));
      }
      last.parentNode.insertBefore(copy, last.nextSibling);
      count.value = String(to + 1);
      var title = copy.querySelector('input[name="m.' + to + '.title"]');
      if (title) {
        title.focus();
      }
    });
  });
})();
