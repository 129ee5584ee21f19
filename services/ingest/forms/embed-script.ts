/**
 * The embed script (docs/pages-and-forms.md#embed-script), served as it is at `/forms/<form id>/embed.js`: it finds
 * its own script tag, fetches the form fragment from ingest, inserts it after the tag and submits it with fetch.
 * No third-party code, no cookies (credentials omitted), no eval; server data reaches the page only as the
 * fragment ingest rendered (every value escaped there, parsed by DOMParser, only its form kept) and as text
 * (textContent) for the thank-you and the errors.
 */
export const EMBED_SCRIPT = `(function () {
  'use strict';
  var script = document.currentScript;
  var match = script && /^(https?:\\/\\/[^\\/?#]+)\\/forms\\/([0-9a-fA-F-]{36})\\/embed\\.js(?:[?#].*)?$/.exec(script.src);
  if (!match || !window.fetch) return;
  var base = match[1] + '/forms/' + match[2];
  var host = document.createElement('div');
  host.className = 'cairn-embed';
  script.parentNode.insertBefore(host, script.nextSibling);
  var FAILED = 'could not be sent; please try again';

  function note(text, name) {
    var p = document.createElement('p');
    p.className = name;
    p.textContent = text;
    return p;
  }

  function showErrors(form, errors) {
    var old = form.querySelectorAll('.cairn-error, .cairn-errors');
    for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
    var fields = form.querySelectorAll('[data-cairn-field]');
    var summary = null;
    errors.forEach(function (error) {
      var name = String(error && error.field), message = String(error && error.message);
      for (var j = 0; j < fields.length; j++) {
        if (fields[j].getAttribute('data-cairn-field') !== name) continue;
        var span = document.createElement('span');
        span.className = 'cairn-error';
        span.setAttribute('role', 'alert');
        span.textContent = ' ' + message;
        fields[j].appendChild(span);
        return;
      }
      if (!summary) {
        summary = document.createElement('ul');
        summary.className = 'cairn-errors';
        summary.setAttribute('role', 'alert');
        form.insertBefore(summary, form.firstChild);
      }
      var item = document.createElement('li');
      item.textContent = name + ': ' + message;
      summary.appendChild(item);
    });
  }

  function answered(form, status, data) {
    if (status === 200 && data && data.status === 'accepted') {
      if (typeof data.redirect === 'string' && /^https?:\\/\\//i.test(data.redirect)) {
        window.location.assign(data.redirect);
        return;
      }
      form.parentNode.replaceChild(note(String(data.message || 'Thank you.'), 'cairn-thanks'), form);
      return;
    }
    showErrors(form, data && Array.isArray(data.errors) ? data.errors : [{ field: 'form', message: FAILED }]);
  }

  function send(form) {
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    var done = function () { if (button) button.disabled = false; };
    fetch(form.action, {
      method: 'POST',
      body: new URLSearchParams(new FormData(form)),
      credentials: 'omit',
      headers: { accept: 'application/json' },
    })
      .then(function (res) {
        return res.json().then(function (data) { done(); answered(form, res.status, data); });
      })
      .catch(function () { done(); showErrors(form, [{ field: 'form', message: FAILED }]); });
  }

  fetch(base + '/embed', { credentials: 'omit' })
    .then(function (res) {
      if (!res.ok) throw new Error('form not available');
      return res.text();
    })
    .then(function (html) {
      var parsed = new DOMParser().parseFromString(html, 'text/html');
      var form = parsed.querySelector('form.cairn-form');
      if (!form) throw new Error('form not available');
      form = document.importNode(form, true);
      host.appendChild(form);
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        send(form);
      });
    })
    .catch(function () { host.appendChild(note('This form is not available.', 'cairn-form-closed')); });
})();
`;
