/* Session Room: what every script of the block shares (translations with plurals, CSRF, JSON requests). ES2019. */
(function () {
  "use strict";

  function gettext(text) {
    var catalog = window.SessionRoomI18N;
    if (catalog && catalog.gettext) { return catalog.gettext(text); }
    return window.gettext ? window.gettext(text) : text;
  }

  /* Plural forms: the catalog's when it has them, else English's one/other. Callers replace "{count}". */
  function ngettext(one, other, count) {
    var catalog = window.SessionRoomI18N;
    if (catalog && catalog.ngettext) { return catalog.ngettext(one, other, count); }
    if (window.ngettext) { return window.ngettext(one, other, count); }
    return count === 1 ? one : other;
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* POST JSON with the CSRF header the XBlock handler and our views require; resolves to {ok, status, data}
   * (a body that is not JSON reads as {}), rejects when the network fails. keepalive lets the request
   * outlive a closing page. */
  function postJSON(url, body, keepalive) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  window.SessionRoomCommon = { gettext: gettext, ngettext: ngettext, postJSON: postJSON };
}());
