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

  /* Text that changes every second (countdowns, clocks) is written into the element's text node, not
   * through textContent: the Learning MFE's frame page (edx-platform courseware-chromeless.html) watches
   * the body for child-list and attribute mutations, not character data, and re-binds a click handler on
   * every link of the page for each one it sees. */
  function setText(element, text) {
    var node = element.firstChild;
    if (node && node.nodeType === 3 && !node.nextSibling) {
      if (node.data !== text) { node.data = text; }
    } else if (element.textContent !== text) {
      element.textContent = text;
    }
  }

  window.SessionRoomCommon = { gettext: gettext, ngettext: ngettext, postJSON: postJSON, setText: setText };
}());
