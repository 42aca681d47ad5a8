// passkey.js drives the WebAuthn ceremonies of the account pages. A button
// data-passkey="register|login|discover" (hidden until this file shows it,
// so pages without JavaScript offer only what works without) posts its form
// to the form's action ("begin"), which answers {challenge, options}; the
// browser's navigator.credentials creates or gets a credential; the answer
// goes as JSON {challenge, credential} to the button's data-finish address,
// which answers {next} (where to go) or an error {error: {message}}, shown
// in the form's role="status" line.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !window.fetch || !navigator.credentials) {
    return;
  }

  function toBuffer(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function toBase64URL(buf) {
    if (!buf) {
      return null;
    }
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, body, type) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": type, "Accept": "application/json" },
      body: body
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) {
          throw new Error((data && data.error && data.error.message) || resp.statusText);
        }
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: toBuffer(d.id), transports: d.transports };
    });
  }

  function create(options) {
    var pk = options.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    return navigator.credentials.create({ publicKey: pk }).then(function (cred) {
      var r = cred.response;
      return {
        id: cred.id,
        rawId: toBase64URL(cred.rawId),
        type: cred.type,
        authenticatorAttachment: cred.authenticatorAttachment || undefined,
        clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
        response: {
          clientDataJSON: toBase64URL(r.clientDataJSON),
          attestationObject: toBase64URL(r.attestationObject),
          transports: r.getTransports ? r.getTransports() : []
        }
      };
    });
  }

  function get(options) {
    var pk = options.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.allowCredentials = descriptors(pk.allowCredentials);
    return navigator.credentials.get({ publicKey: pk }).then(function (cred) {
      var r = cred.response;
      return {
        id: cred.id,
        rawId: toBase64URL(cred.rawId),
        type: cred.type,
        authenticatorAttachment: cred.authenticatorAttachment || undefined,
        clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
        response: {
          clientDataJSON: toBase64URL(r.clientDataJSON),
          authenticatorData: toBase64URL(r.authenticatorData),
          signature: toBase64URL(r.signature),
          userHandle: toBase64URL(r.userHandle)
        }
      };
    });
  }

  var buttons = document.querySelectorAll("button[data-passkey]");
  Array.prototype.forEach.call(buttons, function (button) {
    var form = button.form;
    if (!form) {
      return;
    }
    var status = form.querySelector("[role=status]");
    button.hidden = false;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (!form.reportValidity()) {
        return;
      }
      var kind = button.getAttribute("data-passkey");
      button.disabled = true;
      if (status) {
        status.textContent = "";
      }
      var challenge;
      post(form.action, new URLSearchParams(new FormData(form)).toString(), "application/x-www-form-urlencoded")
        .then(function (begin) {
          challenge = begin.challenge;
          return kind === "register" ? create(begin.options) : get(begin.options);
        })
        .then(function (credential) {
          return post(button.getAttribute("data-finish"), JSON.stringify({ challenge: challenge, credential: credential }), "application/json");
        })
        .then(function (done) {
          window.location.assign(done.next || "/");
        })
        .catch(function (err) {
          button.disabled = false;
          if (status) {
            status.textContent = err && err.message ? err.message : String(err);
          }
        });
    });
  });
})();
