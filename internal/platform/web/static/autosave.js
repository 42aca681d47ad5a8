// autosave.js saves a form marked data-autosave="<milliseconds>" while the
// user works: that long after the last change, and when the page is hidden,
// it posts the same form to the same address with fetch, asking for JSON.
// The server answers with the new revision, which is written back into the
// form's hidden "revision" field (and keys given to new measures into their
// "m.N.key" fields), and with a message for the role="status" line
// #autosave-status. A stale save (409 stale_revision: someone else saved
// since) stops autosaving and shows the server's message in #autosave-stale;
// nothing is ever overwritten from here. A refused save (422) may list
// "errors" [{id, label, message}]: each message is shown beside the input
// with that id (as the server's own page does, <p class="field-error"
// id="ID-error">, aria-invalid, aria-describedby) and cleared, with the
// server's own, at the next accepted save. Without JavaScript the form works as before: this file only
// adds to it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams) {
    return;
  }
  var delay = parseInt(form.getAttribute("data-autosave"), 10) || 2000;
  var status = document.getElementById("autosave-status");
  var staleBox = document.getElementById("autosave-stale");
  var staleText = document.getElementById("autosave-stale-message");
  var timer = null;
  var inFlight = null;
  var edits = 0; // changes made in the page
  var savedEdits = 0; // changes the server holds
  var stopped = false; // after a refusal that saving again cannot fix
  var submitting = false; // the form itself is being posted
  var resume = false; // a Save click waited for an autosave to finish

  function say(text) {
    if (status) {
      status.textContent = text || "";
    }
  }

  // clearMarks removes every refusal shown in the form (the server's own
  // and this script's) once the input is accepted or refused anew.
  function clearMarks() {
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid="true"]'), function (input) {
      var p = document.getElementById(input.id + "-error");
      if (p) {
        p.parentNode.removeChild(p);
      }
      input.removeAttribute("aria-invalid");
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (x) {
        return x && x !== input.id + "-error";
      });
      if (ids.length) {
        input.setAttribute("aria-describedby", ids.join(" "));
      } else {
        input.removeAttribute("aria-describedby");
      }
    });
  }

  function mark(errors) {
    clearMarks();
    (errors || []).forEach(function (e) {
      var input = document.getElementById(e.id);
      if (!input || !input.parentNode) {
        return;
      }
      var p = document.createElement("p");
      p.className = "field-error";
      p.id = e.id + "-error";
      p.textContent = e.message;
      input.parentNode.insertBefore(p, input.nextSibling);
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      ids.unshift(p.id);
      input.setAttribute("aria-describedby", ids.join(" "));
      input.setAttribute("aria-invalid", "true");
    });
  }

  function stop(code, message) {
    stopped = true;
    clearTimeout(timer);
    if (code === "stale_revision" && staleBox && staleText) {
      say("");
      staleBox.hidden = false;
      staleText.textContent = message;
    } else {
      say(message);
    }
  }

  function answer(resp, sent) {
    var type = resp.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") !== 0) {
      // A redirect to the sign-in page, or a proxy's error page.
      throw new Error("autosave: unexpected answer " + resp.status);
    }
    return resp.json().then(function (data) {
      if (resp.ok) {
        form.elements.revision.value = String(data.revision);
        var keys = data.keys || {};
        Object.keys(keys).forEach(function (i) {
          var field = form.elements["m." + i + ".key"];
          if (field) {
            field.value = keys[i];
          }
        });
        savedEdits = sent;
        clearMarks();
        say(data.message);
      } else if (resp.status === 422) {
        mark(data.errors);
        say(data.message); // invalid input: tried again after the next change
      } else if (resp.status >= 400 && resp.status < 500) {
        stop(data.code, data.message);
      } else {
        throw new Error("autosave: status " + resp.status);
      }
    });
  }

  function save(keepalive) {
    if (stopped || submitting || edits === savedEdits) {
      return Promise.resolve();
    }
    if (inFlight) {
      // One save at a time: the next one carries the revision this one gets.
      return inFlight.then(function () {
        return save(keepalive);
      });
    }
    clearTimeout(timer);
    timer = null;
    var sent = edits;
    if (status && !keepalive) {
      say(status.getAttribute("data-saving"));
    }
    inFlight = fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      redirect: "manual",
      keepalive: !!keepalive
    })
      .then(function (resp) {
        return answer(resp, sent);
      })
      .catch(function () {
        if (status) {
          say(status.getAttribute("data-failed"));
        }
      })
      .then(function () {
        inFlight = null;
      });
    return inFlight;
  }

  function changed() {
    if (stopped || submitting) {
      return;
    }
    edits++;
    clearTimeout(timer);
    timer = setTimeout(function () {
      timer = null;
      save(false);
    }, delay);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  form.addEventListener("submit", function (e) {
    if (resume) {
      resume = false;
      submitting = true;
      return;
    }
    clearTimeout(timer);
    if (inFlight) {
      // Posting now would carry the revision the autosave is replacing and
      // be refused as stale: wait for it, then post with the new one.
      e.preventDefault();
      var submitter = e.submitter || null;
      inFlight.then(function () {
        resume = true;
        if (form.requestSubmit) {
          form.requestSubmit(submitter);
        } else {
          submitting = true;
          form.submit();
        }
      });
      return;
    }
    submitting = true;
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save(true);
    }
  });
  window.addEventListener("pagehide", function () {
    save(true);
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      submitting = false; // back from the page cache
    }
  });
})();
