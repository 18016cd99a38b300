/* Session Room, built-in peer-to-peer call: WebRTC between the two participants, ES2019, no framework.
 *
 * Negotiation follows the "perfect negotiation" pattern (W3C WebRTC 1.0, section 10.7): both sides run
 * the same code; the learner is polite (rolls back its own offer on glare), the tutor impolite (ignores
 * the colliding offer). So either can join first, reload, or rejoin, and the call comes back.
 *
 * Signaling goes through the room's own actions (signal_send / signal_poll). Every page load starts
 * with "hello", which makes the other side discard its old connection and start a fresh one. Each
 * message names the connection it comes from and the one it is for ("from"/"to"), so an answer or a
 * candidate meant for a connection that has since been replaced is dropped instead of confusing the
 * new one.
 *
 * Once connected, the two browsers talk over a data channel (negotiated: both create it, no extra
 * signaling): renegotiation, "bye", media state, and the side panel's chat and notes (see panel.js).
 * Signaling polls stop then and resume only when the connection needs the server again (it drops, the
 * channel closes), so a connected call costs the LMS nothing but heartbeats and the panel's saves.
 */
(function () {
  "use strict";

  /* The device choices the pre-join screen stores; the settings here update the same keys. */
  var DEVICE_KEYS = { camera: "sessionroom.camera", microphone: "sessionroom.microphone", speaker: "sessionroom.speaker" };
  /* Poll fast while the two browsers negotiate. Alone, poll fast for a while after joining (the other
   * person usually follows soon, and they connect as fast as we look), then back off. Connected with an
   * open data channel: no polls at all. Short polls keep LMS workers free. */
  var NEGOTIATING_POLL_MS = 50;
  var ALONE_FAST_MS = 100;
  var ALONE_FAST_FOR_MS = 10000;
  var ALONE_MAX_MS = 3000;
  var BACKOFF = 1.5;
  /* Signaling that keeps failing (network, 403, 5xx) this many times in a row is a failed call; the
   * retries back off from FAILURE_RETRY_MS, so that takes about 8 s. */
  var MAX_FAILURES = 5;
  var FAILURE_RETRY_MS = 500;
  /* The server takes 20 signaling messages per request and per second. */
  var BATCH_MAX = 20;
  /* Both sides create this channel themselves (negotiated), so it needs no signaling of its own. */
  var CHANNEL = { negotiated: true, id: 0, ordered: true };

  function stored(kind) {
    try { return window.localStorage.getItem(DEVICE_KEYS[kind]) || ""; } catch (error) { return ""; }
  }

  function remember(kind, deviceId) {
    try { window.localStorage.setItem(DEVICE_KEYS[kind], deviceId); } catch (error) { /* private mode */ }
  }

  function device(deviceId) { return deviceId ? { deviceId: { exact: deviceId } } : true; }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  /* Whether the page (or the frame it is in) may use a browser feature; true where browsers cannot say. */
  function allowed(feature) {
    var policy = document.permissionsPolicy || document.featurePolicy;
    return !policy || !policy.allowsFeature || policy.allowsFeature(feature);
  }

  /* A toggle's state, its accessible name (what a press does) and its short visible label (room.html). */
  function setToggle(button, pressed, pressedName, releasedName) {
    button.setAttribute("aria-pressed", String(pressed));
    if (!pressedName) { return; }
    button.setAttribute("aria-label", pressed ? pressedName : releasedName);
    var label = button.querySelector(".sr-control-label");
    if (label) { label.textContent = button.getAttribute(pressed ? "data-short-pressed" : "data-short-released"); }
  }

  function Call(room, config, media) {
    this.room = room;
    this.t = room.t;
    this.config = config || {};
    this.media = media || null;
    this.polite = Boolean(this.config.polite);
    this.events = room.listener();
    this.cursor = 0;
    this.queue = [];
    this.outbox = Promise.resolve();
    this.inbox = Promise.resolve();
    this.remote = room.$(".sr-remote");
    this.self = room.$(".sr-self");
    this.out = new MediaStream();
    this.mic = null;
    this.camera = null;
    this.screen = null;
    this.pc = null;
    this.pcId = null;
    this.remoteId = null;
    this.connected = false;
    this.stopped = false;
    this.channel = null;
    this.wasOpen = false;
    this.failures = 0;
    this.aloneSince = Date.now();
    this.aloneDelay = ALONE_FAST_MS;
    room.peer = this;
  }

  Call.prototype.start = function () {
    var self = this;
    this.bindControls();
    if (stored("speaker") && typeof this.remote.setSinkId === "function") {
      this.remote.setSinkId(stored("speaker")).catch(function () { return null; });
    }
    return this.openMedia().then(function () {
      if (self.stopped) { return; }
      // "hello" leaves with our first offer, in one request (see resetPeer); polling starts right after.
      self.greet = true;
      self.resetPeer();
    });
  };

  /* Camera and microphone as chosen before joining (the device check's own, when it hands them over); any
   * device if those are gone; receive-only if denied. */
  Call.prototype.openMedia = function () {
    var self = this;
    var media = navigator.mediaDevices;
    if (!media || !media.getUserMedia) { return Promise.resolve(); }
    var chosen = { audio: device(stored("microphone")), video: device(stored("camera")) };
    var opened = this.media ? Promise.resolve(this.media) : media.getUserMedia(chosen);
    this.media = null;
    return opened.catch(function (error) {
      if (error.name === "NotAllowedError" || error.name === "SecurityError") { throw error; }
      return media.getUserMedia({ audio: true, video: true }).catch(function () {
        return media.getUserMedia({ audio: true });
      });
    }).then(function (stream) {
      if (self.stopped) { stream.getTracks().forEach(function (track) { track.stop(); }); return; }
      self.mic = stream.getAudioTracks()[0] || null;
      self.camera = stream.getVideoTracks()[0] || null;
      self.showSelf(self.camera);
    }, function () {
      self.problem(self.t("Please allow camera/microphone access."));
    }).then(function () { self.updateControls(); });
  };

  Call.prototype.showSelf = function (track) {
    this.self.srcObject = track ? new MediaStream([track]) : null;
    this.self.hidden = !track;
  };

  Call.prototype.problem = function (text) {
    var box = this.room.$(".sr-call-problem");
    if (box) { box.textContent = text || ""; box.hidden = !text; }
  };

  /* Signaling ------------------------------------------------------------------------------------- */

  /*
   * Messages leave in order, batched: what queues up while a request is in flight goes with the next one
   * (an offer and its ICE candidates usually travel together). The promise settles once it is stored.
   */
  Call.prototype.send = function (kind, data) {
    var self = this;
    if (this.stopped && kind !== "bye") { return this.outbox; }
    var message = { kind: kind, data: Object.assign({ from: this.pcId, to: this.remoteId }, data) };
    // A new page's "hello" must reach whatever page the other person has: only the server knows it.
    if (kind !== "hello" && this.post({ type: "signal", kind: message.kind, data: message.data })) {
      return this.outbox;
    }
    this.queue.push(message);
    if (this.queue.length === 1) {
      this.outbox = this.outbox.then(function () { return self.deliver(self.queue.splice(0)); });
    }
    if (kind === "hello") {
      // The server clears both mailboxes on "hello". Reading before ours is stored could take in the
      // other side's "hello" too, and then both would start over and answer each other's dead offers.
      this.greeting = this.outbox.then(function () { self.greeting = null; self.pollSoon(); });
    }
    this.pollSoon();  // whatever we sent is answered through the server
    return this.outbox;
  };

  /* Send a batch; a failed request is retried (backing off) until the call is given up on. */
  Call.prototype.deliver = function (batch) {
    var self = this;
    var now = batch.slice(0, BATCH_MAX);
    return this.room.call("signal_send", { messages: now }).then(function (result) {
      if (result.status === 429) { return wait(1000).then(function () { return self.deliver(batch); }); }
      if (!result.ok) { return self.failed(result).then(function (again) { return again && self.deliver(batch); }); }
      self.failures = 0;
      return batch.length > BATCH_MAX ? self.deliver(batch.slice(BATCH_MAX)) : null;
    }, function () {
      return self.failed(null).then(function (again) { return again && self.deliver(batch); });
    });
  };

  /*
   * A signaling request failed (network error, 403, 5xx). Resolves after a backoff to whether to try
   * again; after MAX_FAILURES in a row the call is given up on, as when no direct path is found.
   */
  Call.prototype.failed = function (result) {
    if (this.stopped) { return Promise.resolve(false); }
    if (result && result.status === 409) { this.room.refresh(); return Promise.resolve(false); }  // ended
    this.failures += 1;
    if (this.failures >= MAX_FAILURES) {
      this.giveUp("signaling_failed");
      return Promise.resolve(false);
    }
    return wait(FAILURE_RETRY_MS * Math.pow(2, this.failures - 1)).then(function () { return true; });
  };

  /* Whether signaling needs the server: always, except while connected with the data channel open. */
  Call.prototype.needsServer = function () {
    return !(this.connected && this.channel && this.channel.readyState === "open");
  };

  Call.prototype.poll = function () {
    var self = this;
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
    if (this.stopped || this.polling || this.greeting) { return; }
    if (!this.needsServer()) { return; }  // resumed by pollSoon when the connection needs the server again
    this.expect();
    this.polling = true;
    this.room.call("signal_poll", { cursor: this.cursor }).then(function (result) {
      if (self.stopped) { return false; }
      if (!result.ok) { return self.failed(result); }
      self.failures = 0;
      self.cursor = result.data.cursor;
      if (result.data.messages.length) { self.aloneDelay = ALONE_FAST_MS; }
      result.data.messages.forEach(function (message) { self.take(message); });
      return self.inbox.then(function () { return true; });
    }, function () { return self.failed(null); }).then(function (again) {
      self.polling = false;
      if (!again || self.stopped) { return; }
      self.pollTimer = setTimeout(function () { self.poll(); }, self.pollInterval());
    });
  };

  /*
   * The state says the other person is in the room: the call must connect in time even if we never hear
   * from them (their signaling may be failing). Once they are gone again, and we have not heard from a
   * new page of theirs, nobody is late.
   */
  Call.prototype.expect = function () {
    if (this.connected) { return; }
    if (this.room.state.other_present) {
      this.heard();
    } else if (!this.remoteId) {
      this.clearConnectTimer();
    }
  };

  /* Poll now (unless a poll is under way: the next one follows it at the negotiating pace). */
  Call.prototype.pollSoon = function () {
    if (this.polling || this.stopped) { return; }
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(this.poll.bind(this), 0);
  };

  Call.prototype.pollInterval = function () {
    if (this.connectTimer || this.makingOffer || this.queue.length) { return NEGOTIATING_POLL_MS; }
    if (Date.now() - this.aloneSince < ALONE_FAST_FOR_MS) { return ALONE_FAST_MS; }
    this.aloneDelay = Math.min(ALONE_MAX_MS, this.aloneDelay * BACKOFF);
    return this.aloneDelay;
  };

  /* Signaling messages are handled one at a time, in order, whichever way they came. */
  Call.prototype.take = function (message) {
    var self = this;
    this.inbox = this.inbox.then(function () { return self.receive(message); }).catch(function () { return null; });
  };

  Call.prototype.receive = async function (message) {
    var data = message.data || {};
    if (this.stopped) { return; }
    if (message.kind === "hello") { this.remoteId = data.from; this.resetPeer(); this.heard(); return; }
    if (message.kind === "bye") { this.remoteLeft(data); return; }
    if (data.to && data.to !== this.pcId) { return; }  // for a connection of ours that was replaced
    this.remoteId = data.from;
    this.heard();
    var pc = this.pc;
    if (message.kind === "candidate") {
      // Candidates of a crossing offer the impolite side ignored cannot be added: nothing to do.
      try { await pc.addIceCandidate(data.candidate); } catch (error) { return; }
      return;
    }
    var description = data.description;
    var collision = description.type === "offer" && (this.makingOffer || pc.signalingState !== "stable");
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) { return; }
    if (description.type === "answer" && pc.signalingState !== "have-local-offer") { return; }
    await pc.setRemoteDescription(description);
    if (description.type === "offer") {
      await pc.setLocalDescription();
      this.send("answer", { description: pc.localDescription.toJSON() });
    }
  };

  /* The other side is there and talking: from now on it has connectTimeoutSeconds to connect. */
  Call.prototype.heard = function () {
    var self = this;
    if (this.connected || this.connectTimer) { return; }
    var seconds = Number(this.config.connectTimeoutSeconds) || 20;
    this.connectTimer = setTimeout(function () { self.giveUp("ice_failed"); }, seconds * 1000);
  };

  Call.prototype.clearConnectTimer = function () {
    clearTimeout(this.connectTimer);
    this.connectTimer = null;
  };

  /* A fresh RTCPeerConnection carrying what we send now; negotiation starts by itself. */
  Call.prototype.resetPeer = function () {
    var self = this;
    this.closePeer();
    var pc = new RTCPeerConnection({ iceServers: this.config.iceServers || [] });
    this.pc = pc;
    this.pcId = Math.random().toString(36).slice(2);
    this.makingOffer = false;
    this.ignoreOffer = false;
    var video = this.screen || this.camera;
    // Without media (access denied) we still ask to receive, so the call connects either way.
    if (this.mic) { pc.addTrack(this.mic, this.out); } else { pc.addTransceiver("audio", { direction: "recvonly" }); }
    if (video) { pc.addTrack(video, this.out); } else { pc.addTransceiver("video", { direction: "recvonly" }); }
    this.openChannel(pc);
    pc.onnegotiationneeded = async function () {
      try {
        self.makingOffer = true;
        await pc.setLocalDescription();
        if (pc !== self.pc) { return; }
        if (self.greet) { self.greet = false; self.send("hello", {}); }  // same request as the offer
        self.send("offer", { description: pc.localDescription.toJSON() });
      } catch (error) {
        return;  // the connection was closed (reset or hung up) while the offer was being made
      } finally {
        self.makingOffer = false;
      }
    };
    pc.onicecandidate = function (event) {
      if (event.candidate && pc === self.pc) { self.send("candidate", { candidate: event.candidate.toJSON() }); }
    };
    pc.ontrack = function (event) {
      var stream = event.streams[0] || new MediaStream([event.track]);
      if (self.remote.srcObject !== stream) { self.remote.srcObject = stream; }
    };
    pc.onconnectionstatechange = function () { self.onState(pc); };
    pc.oniceconnectionstatechange = function () {
      if (pc.iceConnectionState === "failed") { pc.restartIce(); }
    };
  };

  Call.prototype.closePeer = function () {
    this.clearConnectTimer();
    this.setConnected(false);
    this.channel = null;
    if (this.pc) { this.pc.close(); this.pc = null; }
    this.remote.srcObject = null;
    this.showRemoteMedia(null);
  };

  Call.prototype.setConnected = function (connected) {
    if (this.connected === connected) { return; }
    this.connected = connected;
    if (!connected) { this.aloneSince = Date.now(); this.aloneDelay = ALONE_FAST_MS; }
    if (this.room.connectionChanged) { this.room.connectionChanged(connected); }
  };

  Call.prototype.onState = function (pc) {
    if (pc !== this.pc) { return; }
    var state = pc.connectionState;
    if (state === "connected" && !this.connected) {
      this.setConnected(true);
      this.clearConnectTimer();
      this.room.announce(this.t("Connected"));
      // Media flows, so the other person is in: show In Progress now rather than at the next heartbeat.
      this.room.refresh();
      this.channelChanged();
    } else if (state === "failed" || state === "disconnected") {
      this.setConnected(false);
      this.channelChanged();  // the ICE restart and whatever follows go through the server
    }
  };

  /* Data channel ------------------------------------------------------------------------------------ */

  Call.prototype.openChannel = function (pc) {
    var self = this;
    var channel = pc.createDataChannel("sessionroom", CHANNEL);
    channel.onopen = function () {
      if (pc !== self.pc) { return; }
      self.channel = channel;
      self.sendMedia();
      self.channelChanged();
    };
    // Closed by the other side (its page went away or hung up): like a "bye" we did not get.
    channel.onclose = function () {
      if (pc !== self.pc || self.stopped) { return; }
      self.channel = null;
      self.remoteLeft({ reason: "closed" });
    };
    channel.onmessage = function (event) {
      if (pc !== self.pc) { return; }
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      self.onPeerMessage(message || {});
    };
  };

  /* Whether the other browser can be reached directly right now. */
  Call.prototype.channelOpen = function () { return !this.needsServer(); };

  /* Send a message to the other browser over the data channel; false when it is not open. */
  Call.prototype.post = function (message) {
    if (!this.channelOpen()) { return false; }
    try { this.channel.send(JSON.stringify(message)); } catch (error) { return false; }
    return true;
  };

  /* Tell the room's parts (the side panel) whether the peers talk directly; stop or resume polling. */
  Call.prototype.channelChanged = function () {
    var open = this.channelOpen();
    if (open === this.wasOpen) { return; }
    this.wasOpen = open;
    if (!open) { this.pollSoon(); }
    this.room.root.dispatchEvent(new CustomEvent("sessionroom:peer-channel", { detail: { open: open } }));
  };

  Call.prototype.onPeerMessage = function (message) {
    if (message.type === "signal") { this.take({ kind: message.kind, data: message.data || {} }); return; }
    if (message.type === "media") { this.showRemoteMedia(message); return; }
    this.room.root.dispatchEvent(new CustomEvent("sessionroom:peer-message", { detail: message }));
  };

  /* Our microphone and camera state, for the other side's tile (muted, camera off). */
  Call.prototype.sendMedia = function () {
    var video = this.screen || this.camera;
    this.post({ type: "media", audio: Boolean(this.mic && this.mic.enabled), video: Boolean(video && video.enabled) });
  };

  /* The other side's microphone and camera state on the remote tile, for its styles (both "on" until told). */
  Call.prototype.showRemoteMedia = function (state) {
    var tile = this.remote.parentElement;
    var detail = { audio: !state || Boolean(state.audio), video: !state || Boolean(state.video) };
    tile.setAttribute("data-remote-audio", detail.audio ? "on" : "off");
    tile.setAttribute("data-remote-video", detail.video ? "on" : "off");
    if (state) { this.room.root.dispatchEvent(new CustomEvent("sessionroom:peer-media", { detail: detail })); }
  };

  Call.prototype.remoteLeft = function (data) {
    var room = this.room;
    // The other side gave up on the direct connection: so do we, the same way (its timer may run first).
    if (data.reason === "fallback") { this.fallBack(); return; }
    if (data.reason === "failed") { this.giveUp("ice_failed"); return; }
    this.remoteId = null;  // whoever comes next is a new page of theirs, which says "hello"
    this.resetPeer();
    this.channelChanged();
    // Their leave request travels beside the bye and may be recorded a moment later: look twice.
    room.refresh();
    this.refreshTimer = setTimeout(function () { room.refresh(); }, 1500);
  };

  /*
   * No direct path in time, or signaling keeps failing: the configured media server if there is one,
   * else Technical Issues + Retry. When even the failure report cannot reach the server, the page shows
   * Technical Issues by itself: the call must not stay "In progress" with a black video.
   */
  Call.prototype.giveUp = function (errorType) {
    this.clearConnectTimer();
    if (this.connected || this.stopped) { return; }
    if (this.config.fallback && errorType !== "signaling_failed") {
      this.send("bye", { reason: "fallback" });
      this.fallBack();
      return;
    }
    var room = this.room;
    this.stop("failed");
    function unable(result) {
      var troubled = { state: "technical_issues", screen: "prejoin", status_label: room.t("Technical Issues") };
      room.render(result && result.ok ? result.data : Object.assign({}, room.state, troubled));
      var retry = room.$(".sr-retry-box");  // the spec's "Unable to connect. [Retry]"
      if (retry) { retry.hidden = false; }
      room.announce(room.t("Unable to connect."));
    }
    room.call("failure", { error_type: errorType }).then(unable, function () { unable(null); });
  };

  Call.prototype.fallBack = function () {
    var self = this;
    var room = this.room;
    this.stop("fallback");
    room.call("fallback").then(function (result) {
      if (result.ok) {
        room.render(result.data.state);
        room.enterRoom(result.data.ticket);
        return;
      }
      self.problem(result.data.message || room.t("Unable to connect."));
    });
  };

  /* Controls -------------------------------------------------------------------------------------- */

  Call.prototype.bindControls = function () {
    var self = this;
    var room = this.room;
    var on = this.events.on;
    room.$(".sr-p2p-controls").hidden = false;
    on(room.$(".sr-mute"), "click", function () { self.toggleTrack(self.mic); });
    on(room.$(".sr-camera"), "click", function () { self.toggleTrack(self.camera); });
    on(room.$(".sr-share"), "click", function (event) {
      if (event.currentTarget.getAttribute("aria-disabled") !== "true") { self.toggleShare(); }
    });
    on(room.$(".sr-pip"), "click", function () { self.togglePictureInPicture(); });
    on(this.remote, "enterpictureinpicture", function () { setToggle(room.$(".sr-pip"), true); });
    on(this.remote, "leavepictureinpicture", function () { setToggle(room.$(".sr-pip"), false); });
    on(room.$(".sr-settings-toggle"), "click", function () { self.toggleSettings(); });
    ["camera", "microphone", "speaker"].forEach(function (kind) {
      on(room.$(".sr-room-" + kind), "change", function (event) { self.switchDevice(kind, event.target.value); });
    });
  };

  Call.prototype.updateControls = function () {
    var room = this.room;
    var t = this.t;
    var mute = room.$(".sr-mute");
    var camera = room.$(".sr-camera");
    mute.disabled = !this.mic;
    camera.disabled = !this.camera;
    setToggle(mute, Boolean(this.mic && !this.mic.enabled), t("Unmute microphone"), t("Mute microphone"));
    setToggle(camera, Boolean(this.camera && !this.camera.enabled), t("Turn camera on"), t("Turn camera off"));
    var share = room.$(".sr-share");
    var hint = room.$(".sr-share-blocked");
    var canShare = Boolean(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia) && allowed("display-capture");
    // aria-disabled keeps the button focusable, so keyboard and screen-reader users meet the reason too.
    share.setAttribute("aria-disabled", String(!canShare));
    share.title = canShare ? "" : hint.textContent.trim();
    if (canShare) { share.removeAttribute("aria-describedby"); } else { share.setAttribute("aria-describedby", hint.id); }
    hint.hidden = canShare;
    room.$(".sr-pip").disabled = !document.pictureInPictureEnabled;
    var speaker = room.$(".sr-room-speaker-label");
    speaker.hidden = typeof this.remote.setSinkId !== "function";
  };

  /* Muting keeps the track (and the connection) and sends silence or black frames. */
  Call.prototype.toggleTrack = function (track) {
    if (!track) { return; }
    track.enabled = !track.enabled;
    this.updateControls();
    this.sendMedia();
  };

  Call.prototype.sendVideo = function (track) {
    var pc = this.pc;
    this.showSelf(track);
    if (!pc) { return Promise.resolve(); }
    var sender = pc.getSenders().filter(function (item) { return item.track && item.track.kind === "video"; })[0];
    if (sender) { return sender.replaceTrack(track); }
    pc.addTrack(track, this.out);  // nothing was sent yet: negotiationneeded adds the video
    return Promise.resolve();
  };

  Call.prototype.toggleShare = function () {
    var self = this;
    var button = this.room.$(".sr-share");
    if (this.screen) { this.stopShare(); return; }
    navigator.mediaDevices.getDisplayMedia({ video: true }).then(function (stream) {
      if (self.stopped) { stream.getTracks().forEach(function (track) { track.stop(); }); return; }
      self.screen = stream.getVideoTracks()[0];
      self.screen.addEventListener("ended", function () { self.stopShare(); });
      setToggle(button, true, self.t("Stop sharing screen"), self.t("Share screen"));
      self.sendVideo(self.screen);
    }, function () { return null; });  // the user closed the picker
  };

  Call.prototype.stopShare = function () {
    if (!this.screen) { return; }
    this.screen.stop();
    this.screen = null;
    setToggle(this.room.$(".sr-share"), false, this.t("Stop sharing screen"), this.t("Share screen"));
    if (this.camera) { this.sendVideo(this.camera); } else { this.showSelf(null); }
  };

  Call.prototype.togglePictureInPicture = function () {
    if (document.pictureInPictureElement) { document.exitPictureInPicture(); return; }
    this.remote.requestPictureInPicture().catch(function () { return null; });
  };

  Call.prototype.toggleSettings = function () {
    var button = this.room.$(".sr-settings-toggle");
    var panel = this.room.$(".sr-settings");
    var open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) { this.listDevices(); }
  };

  Call.prototype.listDevices = function () {
    var self = this;
    var kinds = { camera: "videoinput", microphone: "audioinput", speaker: "audiooutput" };
    var current = { camera: this.camera, microphone: this.mic };
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      Object.keys(kinds).forEach(function (kind) {
        var select = self.room.$(".sr-room-" + kind);
        var track = current[kind];
        var selected = track && track.getSettings ? track.getSettings().deviceId : stored(kind);
        select.textContent = "";
        devices.filter(function (item) { return item.kind === kinds[kind]; }).forEach(function (item, index) {
          var option = document.createElement("option");
          option.value = item.deviceId;
          option.textContent = item.label || self.t("Device {number}").replace("{number}", String(index + 1));
          option.selected = item.deviceId === selected;
          select.appendChild(option);
        });
      });
    });
  };

  /* A new camera or microphone replaces the track being sent; no renegotiation is needed. */
  Call.prototype.switchDevice = function (kind, deviceId) {
    var self = this;
    remember(kind, deviceId);
    if (kind === "speaker") {
      this.remote.setSinkId(deviceId).catch(function () { return null; });
      return Promise.resolve();
    }
    var audio = kind === "microphone";
    var constraints = audio ? { audio: device(deviceId) } : { video: device(deviceId) };
    return navigator.mediaDevices.getUserMedia(constraints).then(function (stream) {
      var track = stream.getTracks()[0];
      var old = audio ? self.mic : self.camera;
      if (old) { track.enabled = old.enabled; old.stop(); }
      if (audio) {
        self.mic = track;
        var sender = self.pc && self.pc.getSenders().filter(function (item) {
          return item.track && item.track.kind === "audio";
        })[0];
        if (sender) { sender.replaceTrack(track); } else if (self.pc) { self.pc.addTrack(track, self.out); }
      } else {
        self.camera = track;
        if (!self.screen) { self.sendVideo(track); }
      }
      self.updateControls();
    }, function () { self.problem(self.t("Please allow camera/microphone access.")); });
  };

  /* Hang up: tell the other side (it keeps waiting for us), release the devices, unbind the controls. */
  Call.prototype.stop = function (reason) {
    if (this.stopped) { return; }
    clearTimeout(this.pollTimer);
    clearTimeout(this.refreshTimer);
    // Sent before stopping, so a bye goes over the data channel when it is open.
    if (reason !== "fallback") { this.send("bye", { reason: reason || "leave" }); }
    this.stopped = true;
    if (this.room.peer === this) { this.room.peer = null; }
    this.closePeer();
    [this.mic, this.camera, this.screen].forEach(function (track) { if (track) { track.stop(); } });
    this.showSelf(null);
    if (document.pictureInPictureElement === this.remote) { document.exitPictureInPicture(); }
    this.events.off();
    this.room.$(".sr-p2p-controls").hidden = true;
    this.room.$(".sr-settings").hidden = true;
  };

  window.SessionRoomP2P = {
    DEVICE_KEYS: DEVICE_KEYS,
    start: function (room, config, media) {
      var call = new Call(room, config, media);
      call.start();
      return call;
    }
  };
}());
