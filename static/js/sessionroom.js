/* Session Room: drives the three screens from the server's state; no framework, ES2019. */
(function () {
  "use strict";

  function i18n() {
    var catalog = window.SessionRoomI18N;
    return {
      gettext: function (text) {
        if (catalog && catalog.gettext) { return catalog.gettext(text); }
        return window.gettext ? window.gettext(text) : text;
      }
    };
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

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

  function formatClock(seconds) {
    var total = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var secs = total % 60;
    var mm = hours ? String(minutes).padStart(2, "0") : String(minutes);
    return (hours ? hours + ":" : "") + mm + ":" + String(secs).padStart(2, "0");
  }

  function SessionRoom(element, args) {
    this.root = element.classList.contains("sessionroom") ? element : element.querySelector(".sessionroom");
    this.urls = args.urls || {};
    this.state = args.state || {};
    this.t = i18n().gettext;
    this.sessionId = this.state.session;
    this.timers = [];
    this.receivedAt = Date.now();
    this.inRoom = false;
    this.parts = [];
  }

  SessionRoom.prototype.$ = function (selector) { return this.root.querySelector(selector); };

  /* Event bindings a room part (p2p call, side panel) can drop all at once when it stops. */
  SessionRoom.prototype.listener = function () {
    var bound = [];
    return {
      on: function (target, type, handler) {
        if (target) { target.addEventListener(type, handler); bound.push([target, type, handler]); }
      },
      off: function () {
        bound.forEach(function (item) { item[0].removeEventListener(item[1], item[2]); });
        bound = [];
      }
    };
  };

  SessionRoom.prototype.call = function (action, body) {
    var payload = Object.assign({ session: this.sessionId }, body || {});
    return postJSON(this.urls[action], payload, this.closing);
  };

  SessionRoom.prototype.start = function () {
    var self = this;
    if (!this.root || !this.sessionId) { return; }
    this.bind();
    this.render(this.state);
    this.timers.push(setInterval(function () { self.tick(); }, 1000));
    this.schedulePoll();
    // Back in a room this participant is still in (a reload, a second tab): rejoin at once.
    if (this.state.screen === "room" && this.state.can_join) { this.join(); }
    window.addEventListener("pagehide", function () { self.leaveOnClose(); });
  };

  SessionRoom.prototype.bind = function () {
    var self = this;
    var join = this.$(".sr-join");
    if (join) { join.addEventListener("click", function () { self.join(); }); }
    var retry = this.$(".sr-retry");
    if (retry) { retry.addEventListener("click", function () { self.join(); }); }
    var leave = this.$(".sr-leave");
    if (leave) { leave.addEventListener("click", function () { self.leave(); }); }
    var form = this.$(".sr-feedback");
    if (form) { form.addEventListener("submit", function (event) { event.preventDefault(); self.submitFeedback(form); }); }
  };

  SessionRoom.prototype.schedulePoll = function () {
    var self = this;
    clearTimeout(this.pollTimer);
    var seconds = (this.state.heartbeat_seconds || 15) * (this.inRoom ? 1 : 2);
    this.pollTimer = setTimeout(function () {
      self.call(self.inRoom ? "heartbeat" : "state").then(function (result) {
        if (result.ok) { self.render(result.data); }
        self.schedulePoll();
      }, function () { self.schedulePoll(); });
    }, seconds * 1000);
  };

  SessionRoom.prototype.announce = function (text) {
    var live = this.$(".sr-live");
    if (live && text) { live.textContent = text; }
  };

  SessionRoom.prototype.showError = function (text) {
    var alert = this.$(".sr-alert");
    if (!alert) { return; }
    alert.textContent = text || "";
    alert.hidden = !text;
  };

  SessionRoom.prototype.render = function (state) {
    var previous = this.state;
    this.state = state;
    this.receivedAt = Date.now();
    this.root.setAttribute("data-state", state.state);
    this.root.setAttribute("data-screen", state.screen);
    var screens = this.root.querySelectorAll(".sr-screen");
    for (var i = 0; i < screens.length; i += 1) {
      screens[i].hidden = screens[i].getAttribute("data-screen-name") !== state.screen;
    }
    var label = this.$(".sr-status-label");
    if (label) { label.textContent = state.status_label; }
    var joinButton = this.$(".sr-join");
    if (joinButton) { joinButton.disabled = !state.can_join; }
    var countdown = this.$(".sr-countdown");
    if (countdown) { countdown.hidden = state.state !== "early"; }
    var waiting = this.$(".sr-waiting");
    if (waiting) { waiting.hidden = state.state !== "waiting"; }
    var noshow = this.$(".sr-noshow");
    if (noshow) { noshow.hidden = state.state !== "no_show"; }
    var cancelled = this.$(".sr-cancelled");
    if (cancelled) { cancelled.hidden = state.state !== "cancelled"; }
    this.renderRecording(state.recording || {});
    if (state.screen !== "room") { this.inRoom = false; this.teardown(); }
    if (!previous || previous.state !== state.state) { this.announce(state.waiting_for || state.status_label); }
    this.tick();
  };

  SessionRoom.prototype.renderRecording = function (recording) {
    var box = this.$(".sr-recording");
    if (!box) { return; }
    box.hidden = !recording.enabled;
    var link = this.$(".sr-recording-link");
    var pending = this.$(".sr-recording-pending");
    if (link) { link.hidden = !recording.ready; if (recording.url) { link.href = recording.url; } }
    if (pending) { pending.hidden = Boolean(recording.ready); }
  };

  SessionRoom.prototype.tick = function () {
    var passed = (Date.now() - this.receivedAt) / 1000;
    var value = this.$(".sr-countdown-value");
    if (value && this.state.state === "early") {
      var remaining = this.state.seconds_until_joinable - passed;
      value.textContent = formatClock(remaining);
      if (remaining <= 0) { this.refresh(); }
    }
    var elapsed = this.$(".sr-elapsed");
    if (elapsed && this.state.screen === "room") {
      elapsed.textContent = formatClock(this.state.seconds_elapsed + passed);
    }
  };

  SessionRoom.prototype.refresh = function () {
    var self = this;
    if (this.refreshing) { return; }
    this.refreshing = true;
    this.call("state").then(function (result) {
      self.refreshing = false;
      if (result.ok) { self.render(result.data); }
    }, function () { self.refreshing = false; });
  };

  SessionRoom.prototype.join = function () {
    var self = this;
    var button = this.$(".sr-join");
    if (button) { button.disabled = true; }
    this.showError("");
    var retryBox = this.$(".sr-retry-box");
    if (retryBox) { retryBox.hidden = true; }
    return this.call("join").then(function (result) {
      if (!result.ok) {
        self.showError(result.data.message || self.t("Unable to connect."));
        if (retryBox) { retryBox.hidden = false; }
        if (button) { button.disabled = false; }
        return;
      }
      self.inRoom = true;
      self.ticket = result.data.ticket;
      self.render(result.data.state);
      self.enterRoom(result.data.ticket);
      self.schedulePoll();
    }, function () {
      self.showError(self.t("Unable to connect."));
      if (retryBox) { retryBox.hidden = false; }
      if (button) { button.disabled = false; }
    });
  };

  SessionRoom.prototype.enterRoom = function (ticket) {
    this.root.setAttribute("data-room-kind", ticket.kind);
    var frame = this.$(".sr-provider-frame");
    if (ticket.kind === "iframe" && frame) {
      frame.hidden = false;
      frame.src = ticket.url;
    }
    if (ticket.kind === "p2p" && window.SessionRoomP2P) { this.parts.push(window.SessionRoomP2P.start(this, ticket.config)); }
    if (!this.panel && window.SessionRoomPanel) {
      this.panel = window.SessionRoomPanel.start(this);
      this.parts.push(this.panel);
    }
  };

  /* Stop what runs only in the room (media, signaling, panel polling). */
  SessionRoom.prototype.teardown = function () {
    this.parts.forEach(function (part) { part.stop(); });
    this.parts = [];
    this.panel = null;
  };

  SessionRoom.prototype.leave = function () {
    var self = this;
    this.inRoom = false;
    // Hang up once the leave is recorded: the other side looks at the state when our "bye" arrives.
    return this.call("leave").then(function (result) {
      self.teardown();
      if (result.ok) { self.render(result.data); }
    }, function () { self.teardown(); });
  };

  /*
   * The tab is closing: say goodbye (p2p "bye") and leave. Keep-alive fetches outlive the page and, unlike
   * sendBeacon, carry the CSRF header that both the XBlock handler and the direct page require.
   */
  SessionRoom.prototype.leaveOnClose = function () {
    if (!this.inRoom) { return; }
    this.closing = true;
    this.call("leave");
    this.teardown();
  };

  SessionRoom.prototype.submitFeedback = function (form) {
    var self = this;
    var checked = form.querySelector("input[name=rating]:checked");
    var result = this.$(".sr-feedback-result");
    var body = { rating: checked ? Number(checked.value) : null, comment: form.querySelector("textarea").value };
    return this.call("feedback", body).then(function (answer) {
      if (result) { result.textContent = answer.data.message || ""; }
    });
  };

  window.SessionRoomXBlock = function (runtime, element, args) {
    var room = new SessionRoom(element, args || {});
    room.start();
    return room;
  };
}());
