import { createHash } from 'node:crypto';

/**
 * The website tracking script (docs/web-tracking.md#the-script), served as it is at `/w.js`. It finds its own tag
 * (`data-website` names the website), reports the page view and every followed http(s) link to `/w/collect` with
 * fetch (text/plain, keepalive so a click survives the navigation, credentials omitted: no ingest cookie ever
 * travels). It carries a tracked click's identity: `cairn_wt` is read from the address, removed from the address bar
 * (history.replaceState) and kept in sessionStorage for the tab. It keeps a first-party visitor id cookie only
 * when ingest's answer says the website's mode allows one, and removes it otherwise. A browser sending Do Not
 * Track or Global Privacy Control gets no request at all unless the tag says `data-honor-dnt="false"` (ingest applies
 * the website's current setting either way). No third-party code, no eval, nothing written into the page.
 */
export const WEB_SCRIPT = `(function () {
  'use strict';
  var tag = document.currentScript;
  var site = tag && tag.getAttribute('data-website');
  var src = tag && /^(https?:\\/\\/[^\\/?#]+)\\/w\\.js(?:[?#].*)?$/.exec(tag.src);
  if (!src || !site || !window.fetch || !/^[0-9a-fA-F-]{36}$/.test(site)) return;
  var nav = window.navigator;
  var opted = nav.doNotTrack === '1' || window.doNotTrack === '1' || nav.globalPrivacyControl === true;
  if (opted && tag.getAttribute('data-honor-dnt') !== 'false') return;
  var endpoint = src[1] + '/w/collect';
  var PARAM = 'cairn_wt', COOKIE = 'cairn_vid', KEY = 'cairn_wt:' + site;

  function id() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var out = '';
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] + 256).toString(16).slice(1);
    return out;
  }
  function stored(get, value) {
    try {
      if (get) return window.sessionStorage.getItem(KEY);
      window.sessionStorage.setItem(KEY, value);
    } catch (e) {}
    return null;
  }
  function carried() {
    var url = new URL(window.location.href);
    var token = url.searchParams.get(PARAM);
    if (!token) return stored(true);
    url.searchParams.delete(PARAM);
    try {
      window.history.replaceState(window.history.state, '', url.toString());
    } catch (e) {}
    stored(false, token);
    return token;
  }
  function cookie() {
    var found = /(?:^|;\\s*)cairn_vid=([0-9a-f]{32})/.exec(document.cookie);
    return found ? found[1] : null;
  }
  function keepCookie(allowed, visitor) {
    var secure = window.location.protocol === 'https:' ? '; Secure' : '';
    if (allowed) document.cookie = COOKIE + '=' + visitor + '; Max-Age=31536000; Path=/; SameSite=Lax' + secure;
    else if (cookie()) document.cookie = COOKIE + '=; Max-Age=0; Path=/; SameSite=Lax' + secure;
  }

  var token = carried();
  var view = id();
  var visitor = cookie() || id();
  var referrer = '';
  try {
    referrer = document.referrer ? new URL(document.referrer).host : '';
  } catch (e) {}

  function send(kind, href) {
    var hit = {
      website: site, kind: kind, url: window.location.href, title: document.title.slice(0, 200),
      referrer: referrer, view: view, hit: id(), visitor: visitor, token: token || ''
    };
    if (href) hit.href = href;
    return window.fetch(endpoint, {
      method: 'POST', body: JSON.stringify(hit), keepalive: true, credentials: 'omit', mode: 'cors',
      headers: { 'content-type': 'text/plain' }
    });
  }

  send('page_view').then(function (answer) {
    return answer.status === 200 ? answer.json() : null;
  }).then(function (data) {
    if (data) keepCookie(data.visitor_cookie === true, visitor);
  }).catch(function () {});

  document.addEventListener('click', function (event) {
    var node = event.target;
    while (node && node.nodeName !== 'A') node = node.parentNode;
    if (!node || !node.href || !/^https?:/i.test(node.href)) return;
    send('link_click', node.href).catch(function () {});
  }, true);
})();
`;

/** A strong validator of the script's bytes: the same for every instance of one release. */
export const WEB_SCRIPT_ETAG = `"${createHash('sha256').update(WEB_SCRIPT).digest('base64url').slice(0, 22)}"`;
