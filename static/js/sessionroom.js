/* Session Room: drives the three screens from the server's state; no framework, ES2019. */
(function () {
  "use strict";

  var common = window.SessionRoomCommon;
  var postJSON = common.postJSON;

  /* Keep in step with the small-screen media query in sessionroom.css. */
  var SMALL_SCREEN = "(max-width: 47.99rem), (max-height: 31.99rem) and (orientation: landscape)";

  function formatClock(seconds) {
    var total = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var secs = total % 60;
    var mm = hours ? String(minutes).padStart(2, "0") : String(minutes);
    return (hours ? hours + ":" : "") + mm + ":" + String(secs).padStart(2, "0");
  }

  /* "2026-11-29" of a moment in the viewer's time zone (the one the server rendered the times in). */
  function dayIn(date, timeZone) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  }

  function timeIn(date, timeZone) {
    return new Intl.DateTimeFormat("en-GB", { timeZone: timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(date);
  }

  /*
   * The Early countdown as people say it: "Join opens in 12 min" within the hour, "Starts at 14:30" later
   * that day, "Starts in 2 days" (calendar days in the viewer's zone) beyond.
   */
  function countdownText(secondsToJoin, start, now, timeZone, t, ngettext) {
    var seconds = Math.max(0, Math.ceil(secondsToJoin));
    if (seconds < 60) {
      return ngettext("Join opens in {count} second", "Join opens in {count} seconds", seconds).replace("{count}", String(seconds));
    }
    if (seconds <= 3600) {
      var minutes = Math.ceil(seconds / 60);
      return ngettext("Join opens in {count} min", "Join opens in {count} min", minutes).replace("{count}", String(minutes));
    }
    var days = Math.round((Date.parse(dayIn(start, timeZone)) - Date.parse(dayIn(now, timeZone))) / 86400000);
    if (days < 1) { return t("Starts at {time}").replace("{time}", timeIn(start, timeZone)); }
    return ngettext("Starts in {count} day", "Starts in {count} days", days).replace("{count}", String(days));
  }

  function SessionRoom(element, args) {
    this.root = element.classList.contains("sessionroom") ? element : element.querySelector(".sessionroom");
    this.urls = args.urls || {};
    this.state = args.state || {};
    this.t = common.gettext;
    this.ngettext = common.ngettext;
    this.sessionId = this.state.session;
    this.timers = [];
    this.receivedAt = Date.now();
    this.inRoom = false;
    this.parts = [];
    this.hasLeft = false;
    this.handedOff = false;
    if (!this.root) { return; }
    this.directUrl = this.root.getAttribute("data-direct-url");
    this.frameTimeout = Number(this.root.getAttribute("data-frame-timeout")) || 15;
    this.params = new URLSearchParams(window.location.search);
    this.isDirect = this.root.hasAttribute("data-direct");
    this.timeZone = this.root.getAttribute("data-time-zone") || undefined;
    var parts = window.SessionRoomParts || {};
    this.devices = parts.DeviceCheck ? new parts.DeviceCheck(this.root, this.t, this.announce.bind(this)) : null;
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

  /* While the tab closes, every request is keep-alive so it outlives the page (see leaveOnClose). */
  SessionRoom.prototype.call = function (action, body) {
    var payload = Object.assign({ session: this.sessionId }, body || {});
    return postJSON(this.urls[action], payload, this.closing);
  };

  SessionRoom.prototype.start = function () {
    var self = this;
    if (!this.root || !this.sessionId) { return; }
    // In a frame (the LMS unit page inside the Learning MFE) the room stays in the page's flow on phones:
    // the MFE sizes its frame from the content's height, which a full-screen fixed room would not count.
    if (window.parent !== window) { this.root.setAttribute("data-framed", ""); }
    this.bind();
    this.autoHideControls();
    if (this.devices) { this.devices.bind(); }
    this.render(this.state);
    this.checkEmbedding();
    this.timers.push(setInterval(function () { self.tick(); }, 1000));
    this.schedulePoll();
    // Back in a room this participant is still in (a reload, a second tab): rejoin at once; not on the page
    // a provider's Leave sends people to (?left=1), which they reached by leaving.
    if (this.state.screen === "room" && this.state.can_join && !this.params.get("left")) { this.join(); }
    window.addEventListener("pagehide", function () { self.leaveOnClose(); });
    window.addEventListener("message", function (event) { self.onFrameMessage(event); });
    if (this.isDirect) { this.followLink(); }
  };

  /* The direct page's ?join=1 (from "Open in a new tab") enters the room the user was in. ?left=1 (the
   * providers' logout URL) changes nothing by itself: anyone can open a link, and a link must never leave
   * or end a session. Inside our room's frame, page.html tells the room, which leaves (onFrameMessage). */
  SessionRoom.prototype.followLink = function () {
    var join = this.params.get("join") === "1";
    if (join || this.params.get("left")) { window.history.replaceState(null, "", window.location.pathname); }
    if (join && this.state.can_join) { this.join(); }
  };

  /* Messages from our own page in the provider's frame (page.html, after BBB's logoutURL). */
  SessionRoom.prototype.onFrameMessage = function (event) {
    var frame = this.$(".sr-provider-frame");
    var data = event.data || {};
    if (event.origin !== window.location.origin || !frame || event.source !== frame.contentWindow) { return; }
    if (data.session !== this.sessionId || !this.inRoom) { return; }
    if (data.type === "sessionroom:left") { this.leave(); }
    if (data.type === "sessionroom:failed") { this.frameFailed("provider_rejected"); }
  };

  /* Inside another site's frame (the Learning MFE renders units in one) the browser may block camera,
   * microphone or screen sharing, and BBB may lose its session cookie: offer the direct page instead. */
  SessionRoom.prototype.checkEmbedding = function () {
    var box = this.$(".sr-newtab");
    if (!box || window.parent === window) { return; }
    var crossOrigin = false;
    try { crossOrigin = window.top.location.origin !== window.location.origin; } catch (error) { crossOrigin = true; }
    var policy = document.permissionsPolicy || document.featurePolicy;
    var blocked = ["camera", "microphone", "display-capture"].filter(function (feature) {
      return policy && policy.allowsFeature && !policy.allowsFeature(feature);
    });
    if (!crossOrigin && !blocked.length) { return; }
    var reason = this.t("The video room may not work inside this page.");
    if (blocked.indexOf("camera") >= 0 || blocked.indexOf("microphone") >= 0) {
      reason = this.t("Camera and microphone are blocked inside this page.");
    } else if (blocked.length) {
      reason = this.t("Screen sharing is not available inside this page.");
    }
    this.$(".sr-newtab-reason").textContent = reason;
    // The room's own controls read this to explain, not offer, what the frame cannot do (e.g. screen share).
    this.root.setAttribute("data-blocked", blocked.join(" "));
    box.hidden = false;
  };

  /* The new tab carries the user into the same room (?join=1 re-enters: attendance is kept), so this
   * one lets go of the provider without leaving, which would end the session for a tutor. */
  SessionRoom.prototype.handOff = function () {
    if (!this.inRoom) { return; }
    this.closeFrame();
    this.inRoom = false;
    this.handedOff = true;
    this.$(".sr-handed-off").hidden = false;
    this.render(this.state);
    this.schedulePoll();
  };

  SessionRoom.prototype.bind = function () {
    var self = this;
    var join = this.$(".sr-join");
    if (join) { join.addEventListener("click", function () { self.join(); }); }
    var rejoin = this.$(".sr-rejoin");
    if (rejoin) { rejoin.addEventListener("click", function () { self.join(); }); }
    var newTab = this.$(".sr-newtab-link");
    if (newTab) { newTab.addEventListener("click", function () { self.handOff(); }); }
    Array.prototype.forEach.call(this.root.querySelectorAll("[data-request]"), function (button) {
      button.addEventListener("click", function () { self.sendRequest(button); });
    });
    var retry = this.$(".sr-retry");
    if (retry) { retry.addEventListener("click", function () { self.join(); }); }
    var leave = this.$(".sr-leave");
    if (leave) { leave.addEventListener("click", function () { self.askToLeave(); }); }
    var confirm = this.$(".sr-confirm-leave");
    if (confirm) {
      confirm.addEventListener("close", function () {
        if (confirm.returnValue === "end") { self.leave(); } else if (leave) { leave.focus(); }
      });
    }
    var mediaRetry = this.$(".sr-media-retry");
    if (mediaRetry && this.devices) { mediaRetry.addEventListener("click", function () { self.devices.restart(); }); }
    this.root.addEventListener("sessionroom:peer-media", function (event) { self.peerMedia(event.detail || {}); });
    var form = this.$(".sr-feedback");
    if (form) { form.addEventListener("submit", function (event) { event.preventDefault(); self.submitFeedback(form); }); }
  };

  /*
   * Every heartbeat_seconds, in the room or not (an open page follows the session's state within one
   * beat); every heartbeat_connected_seconds once a p2p call is connected (the peers then need the server
   * for little else) and in a provider's room (its webhooks tell presence).
   */
  SessionRoom.prototype.schedulePoll = function () {
    var self = this;
    clearTimeout(this.pollTimer);
    // Every heartbeat, in the room or not: an open page follows the session's state within one beat;
    // slower once a p2p call is connected or in a provider room (presence then comes from the call).
    var beat = this.state.heartbeat_seconds || 15;
    var quiet = this.inRoom && (this.connected || this.root.getAttribute("data-room-kind") !== "p2p");
    var seconds = quiet ? this.state.heartbeat_connected_seconds || 2 * beat : beat;
    this.pollTimer = setTimeout(function () {
      var body = self.inRoom && self.connected ? { connected: true } : {};
      self.call(self.inRoom ? "heartbeat" : "state", body).then(function (result) {
        if (result.ok) { self.render(result.data); }
        self.schedulePoll();
      }, function () { self.schedulePoll(); });
    }, seconds * 1000);
  };

  /* The p2p call connected or lost its connection: heartbeats follow (see schedulePoll). */
  SessionRoom.prototype.connectionChanged = function (connected) {
    this.connected = connected;
    if (this.inRoom) { this.schedulePoll(); }
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

  /* The room screen only in the tab that is in the room: another tab (or this one after a reload, or
   * after handing off) shows pre-join, whose Join brings it in. After leaving an open session the user
   * sees the post-session screen (with Rejoin), not pre-join. */
  SessionRoom.prototype.screenOf = function (state) {
    if (state.screen === "room" && !this.inRoom) { return "prejoin"; }
    return this.hasLeft && state.screen === "prejoin" && state.can_join ? "post" : state.screen;
  };

  SessionRoom.prototype.render = function (state) {
    var previous = this.state;
    var previousScreen = this.screen;
    var screen = this.screenOf(state);
    this.state = state;
    this.receivedAt = Date.now();
    this.root.setAttribute("data-state", state.state);
    this.screen = screen;
    this.root.setAttribute("data-screen", screen);
    var screens = this.root.querySelectorAll(".sr-screen");
    for (var i = 0; i < screens.length; i += 1) {
      screens[i].hidden = screens[i].getAttribute("data-screen-name") !== screen;
    }
    if (screen !== previousScreen) {
      if (previousScreen) { this.showError(""); }
      this.screenChanged();
    }
    this.syncDevices(screen, state);
    var label = this.$(".sr-status-label");
    if (label) { label.textContent = state.status_label; }
    var troubled = state.state === "technical_issues";
    var joinButton = this.$(".sr-join");
    if (joinButton) {
      joinButton.disabled = !state.can_join;
      joinButton.hidden = troubled;
    }
    var retryBox = this.$(".sr-retry-box");
    if (retryBox) { retryBox.hidden = !troubled; }
    if (!troubled) { this.failure = null; }
    this.renderFailure();
    var leftEarly = screen === "post" && state.screen !== "post";
    var noShow = state.state === "no_show";
    this.$(".sr-ended-title").hidden = leftEarly || noShow;
    this.$(".sr-noshow-title").hidden = leftEarly || !noShow;
    var noShowActions = this.$(".sr-noshow-actions");
    if (noShowActions) { noShowActions.hidden = !noShow; }
    var feedback = this.$(".sr-feedback");
    // Nothing to rate when the session did not happen.
    if (feedback) { feedback.hidden = noShow || state.state === "cancelled"; }
    this.renderSummary(state);
    this.$(".sr-left-title").hidden = !leftEarly;
    this.$(".sr-rejoin").hidden = !leftEarly;
    var newTab = this.$(".sr-newtab-link");
    if (newTab) { newTab.href = this.directUrl + (this.inRoom || this.handedOff ? "?join=1" : ""); }
    var countdown = this.$(".sr-countdown");
    if (countdown) { countdown.hidden = state.state !== "early"; }
    var waiting = this.$(".sr-waiting");
    if (waiting) { waiting.hidden = state.state !== "waiting"; }
    var noshow = this.$(".sr-noshow");
    if (noshow) { noshow.hidden = state.state !== "no_show"; }
    var cancelled = this.$(".sr-cancelled");
    if (cancelled) { cancelled.hidden = state.state !== "cancelled"; }
    this.renderRecording(state.recording || {});
    if (screen !== "room") {
      this.inRoom = false;
      this.closeFrame();
      this.teardown();
    }
    if (!previous || previous.state !== state.state) { this.announce(state.waiting_for || state.status_label); }
    this.tick();
  };

  /* Technical Issues says what failed: the provider ("Video service unavailable. Try again." with "Try
   * again") or the connection ("Unable to connect." with "Retry"). */
  SessionRoom.prototype.renderFailure = function () {
    var message = this.$(".sr-retry-message");
    var retry = this.$(".sr-retry");
    if (!message || !retry) { return; }
    var provider = Boolean(this.failure && this.failure.provider);
    message.textContent = (this.failure && this.failure.message) || this.t("Unable to connect.");
    retry.textContent = retry.getAttribute(provider ? "data-label-provider" : "data-label-connection");
  };

  /* How long the session ran, once it has ended (the summary's other facts come with the page). */
  SessionRoom.prototype.renderSummary = function (state) {
    var length = this.$(".sr-summary-length");
    var term = this.$(".sr-summary-length-term");
    if (!length || !term) { return; }
    var minutes = state.held_minutes;
    var known = typeof minutes === "number" && state.state !== "no_show";
    length.hidden = !known;
    term.hidden = !known;
    if (known) { length.textContent = this.ngettext("{count} minute", "{count} minutes", minutes).replace("{count}", String(minutes)); }
  };

  /* The tutor's Leave ends the session for both, so it asks first; the learner's leaves at once. */
  SessionRoom.prototype.askToLeave = function () {
    var dialog = this.$(".sr-confirm-leave");
    if (this.state.role !== "tutor" || !dialog || typeof dialog.showModal !== "function") {
      this.leave();
      return;
    }
    dialog.returnValue = "";
    dialog.showModal();
  };

  /* The other person muted or turned the camera off (data channel, p2p.js): the tile shows it by CSS on the
   * attributes p2p.js sets; here it is also said to screen-reader users. */
  SessionRoom.prototype.peerMedia = function (detail) {
    var name = (this.state.other || {}).name || "";
    var previous = this.otherMedia || { audio: true, video: true };
    this.otherMedia = { audio: detail.audio !== false, video: detail.video !== false };
    if (previous.audio !== this.otherMedia.audio) {
      this.announce((this.otherMedia.audio ? this.t("{name} turned their microphone on") : this.t("{name} muted their microphone")).replace("{name}", name));
    }
    if (previous.video !== this.otherMedia.video) {
      this.announce((this.otherMedia.video ? this.t("{name} turned their camera on") : this.t("{name} turned their camera off")).replace("{name}", name));
    }
  };

  SessionRoom.prototype.isSmallScreen = function () { return window.matchMedia(SMALL_SCREEN).matches; };

  /* Small screens: the room's controls slide away after a few quiet seconds and come back on any touch,
   * pointer move or keyboard focus, so the video has the whole screen. A provider's frame keeps them:
   * touches inside it never reach us, so nothing could bring them back. */
  SessionRoom.prototype.autoHideControls = function () {
    var self = this;
    var small = window.matchMedia(SMALL_SCREEN);
    this.wake = function () {
      self.root.classList.remove("sr-idle");
      clearTimeout(self.idleTimer);
      self.idleTimer = setTimeout(function () {
        var controls = self.$(".sr-controls");
        var quiet = !(controls && controls.contains(document.activeElement));
        var inVideo = self.root.getAttribute("data-screen") === "room" && self.root.getAttribute("data-room-kind") !== "iframe";
        if (small.matches && quiet && inVideo) { self.root.classList.add("sr-idle"); }
      }, 4000);
    };
    ["pointerdown", "pointermove", "keydown", "focusin"].forEach(function (name) {
      self.root.addEventListener(name, self.wake);
    });
  };

  /* The device check belongs to the pre-join screen of a participant. It starts by itself once the session
   * is joinable (not an hour early, when the camera light would stay on), or earlier by "Test Audio/Video";
   * a tab that handed the room to another keeps its hands off the camera. */
  SessionRoom.prototype.syncDevices = function (screen, state) {
    if (!this.devices || !this.$(".sr-join")) { return; }
    if (screen !== "prejoin") {
      this.devices.stop();
    } else if (state.state !== "early" && !this.handedOff) {
      this.devices.start();
    }
  };

  /* Keyboard focus follows the user to the new screen. */
  SessionRoom.prototype.screenChanged = function () {
    this.wake();
    if (this.screen === "post") { this.showNotes(); }
    var active = document.activeElement;
    var heading = this.$(".sr-screen:not([hidden]) [tabindex='-1']:not([hidden])");
    if (heading && active && active !== document.body && this.root.contains(active) && !active.offsetParent) {
      heading.focus();
    }
  };

  /* The shared notes, read again as the post-session screen appears: they changed during the call. */
  SessionRoom.prototype.showNotes = function () {
    var self = this;
    var box = this.$(".sr-post-notes");
    if (!box || !this.urls.notes_get) { return; }
    this.call("notes_get").then(function (result) {
      if (!result.ok) { return; }
      box.querySelector(".sr-post-notes-text").textContent = result.data.text;
      box.hidden = !result.data.text;
    });
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
      var toStart = (Date.parse(this.state.scheduled_start) - Date.parse(this.state.join_opens_at)) / 1000;
      var now = new Date();
      common.setText(value, countdownText(remaining, new Date(now.getTime() + (remaining + toStart) * 1000), now, this.timeZone, this.t, this.ngettext));
      if (remaining <= 0) { this.refresh(); }
    }
    var elapsed = this.$(".sr-elapsed");
    if (elapsed && this.state.screen === "room") {
      common.setText(elapsed, formatClock(this.state.seconds_elapsed + passed));
    }
  };

  SessionRoom.prototype.refresh = function () {
    var self = this;
    if (this.refreshing) { return this.refreshing; }
    this.refreshing = this.call("state").then(function (result) {
      self.refreshing = null;
      if (result.ok) { self.render(result.data); }
    }, function () { self.refreshing = null; });
    return this.refreshing;
  };

  SessionRoom.prototype.join = function () {
    var self = this;
    var buttons = this.root.querySelectorAll(".sr-join, .sr-retry, .sr-rejoin");
    function busy(value) { Array.prototype.forEach.call(buttons, function (button) { button.disabled = value; }); }
    busy(true);
    this.showError("");
    return this.call("join").then(function (result) {
      busy(false);
      if (!result.ok) {
        // The page may be out of date (the session ended, the provider is down): show the real state, and
        // the reason where that state has no place for it.
        var message = result.data.message || self.t("Unable to connect.");
        self.failure = { message: message, provider: result.status === 503 };
        self.refresh().then(function () {
          if (self.state.state !== "technical_issues") { self.showError(message); }
        });
        return;
      }
      self.inRoom = true;
      self.hasLeft = false;
      self.handedOff = false;
      self.$(".sr-handed-off").hidden = true;
      self.ticket = result.data.ticket;
      // The device check's camera and microphone go on into a p2p call (before render stops the check).
      var media = result.data.ticket.kind === "p2p" && self.devices ? self.devices.take() : null;
      self.render(result.data.state);
      if (!self.inRoom && media) { media.getTracks().forEach(function (track) { track.stop(); }); }
      self.media = self.inRoom ? media : null;
      if (self.inRoom) { self.enterRoom(result.data.ticket); }
      self.schedulePoll();
    }, function () {
      busy(false);
      self.showError(self.t("Unable to connect."));
      self.render(self.state);
    });
  };

  SessionRoom.prototype.enterRoom = function (ticket) {
    this.root.setAttribute("data-room-kind", ticket.kind);
    var frame = this.$(".sr-provider-frame");
    if (ticket.kind === "iframe" && frame) { this.loadFrame(frame, ticket.url); }
    if (ticket.kind === "p2p" && window.SessionRoomP2P) {
      this.parts.push(window.SessionRoomP2P.start(this, ticket.config, this.media));
    }
    this.media = null;
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

  /* A cross-origin frame tells us nothing but "load"; a room that has not loaded in time is a failure. */
  SessionRoom.prototype.loadFrame = function (frame, url) {
    var self = this;
    clearTimeout(this.frameTimer);
    frame.onload = function () {
      clearTimeout(self.frameTimer);
      frame.onload = null;
    };
    frame.hidden = false;
    frame.src = url;
    this.frameTimer = setTimeout(function () { self.frameFailed("frame_timeout"); }, this.frameTimeout * 1000);
  };

  SessionRoom.prototype.closeFrame = function () {
    var frame = this.$(".sr-provider-frame");
    clearTimeout(this.frameTimer);
    if (!frame || frame.hidden) { return; }
    frame.onload = null;
    frame.src = "about:blank";
    frame.hidden = true;
  };

  /* Report the failure (lifecycle: Technical Issues) and show its screen with Retry. */
  SessionRoom.prototype.frameFailed = function (errorType) {
    var self = this;
    this.inRoom = false;
    this.closeFrame();
    return this.call("failure", { error_type: errorType }).then(function (result) {
      if (result.ok) { self.render(result.data); }
      self.schedulePoll();
    });
  };

  SessionRoom.prototype.leave = function () {
    var self = this;
    this.inRoom = false;
    this.hasLeft = true;
    this.closeFrame();
    // Chat lines and notes not stored yet go first: a tutor's leave ends the session, which then takes none.
    // Hang up once the leave is recorded: the other side looks at the state when our "bye" arrives.
    var saved = this.panel ? this.panel.save() : Promise.resolve();
    return saved.then(function () { return self.call("leave"); }).then(function (result) {
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
    this.inRoom = false;
    this.closing = true;
    if (this.panel) { this.panel.save(); }  // keep-alive too, sent before the leave
    // A closing tab (or a reload) is not the tutor ending the session: the server only records the leave.
    this.call("leave", { closing: true });
    this.teardown();
  };

  SessionRoom.prototype.submitFeedback = function (form) {
    var self = this;
    var checked = form.querySelector("input[name=rating]:checked");
    var result = this.$(".sr-feedback-result");
    var submit = form.querySelector("[type=submit]");
    var body = { rating: checked ? Number(checked.value) : null, comment: form.querySelector("textarea").value };
    submit.disabled = true;
    function show(text, failed) {
      result.textContent = text;
      result.classList.toggle("sr-error", failed);
    }
    return this.call("feedback", body).then(function (answer) {
      submit.disabled = false;
      if (answer.ok) { submit.textContent = self.t("Update rating"); }
      show(answer.data.message || (answer.ok ? "" : self.t("Unable to connect.")), !answer.ok);
    }, function () {
      submit.disabled = false;
      show(self.t("Unable to connect."), true);
    });
  };

  /* "Reschedule" / "Book Next Session" without a booking page: ask the other person and course staff. */
  SessionRoom.prototype.sendRequest = function (button) {
    var self = this;
    var result = button.closest(".sr-screen").querySelector(".sr-request-result");
    button.disabled = true;
    return this.call("reschedule_request", { kind: button.getAttribute("data-request") }).then(function (answer) {
      button.disabled = answer.ok;
      result.textContent = answer.data.message || self.t("Unable to connect.");
      result.classList.toggle("sr-error", !answer.ok);
    }, function () {
      button.disabled = false;
      result.textContent = self.t("Unable to connect.");
      result.classList.add("sr-error");
    });
  };

  window.SessionRoomXBlock = function (runtime, element, args) {
    /* The server sends its arguments as escaped JSON text (presenters.script_safe_json): hosts write them
       into a script element unescaped. */
    var init = args && typeof args.init === "string" ? JSON.parse(args.init) : args;
    var room = new SessionRoom(element, init || {});
    room.start();
    return room;
  };
}());
