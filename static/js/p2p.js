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
 */
(function () {
  "use strict";

  /* The device choices the pre-join screen stores; the settings here update the same keys. */
  var DEVICE_KEYS = { camera: "sessionroom.camera", microphone: "sessionroom.microphone", speaker: "sessionroom.speaker" };
  /* Poll fastest while the two browsers negotiate, less while alone, slowly once connected (bye, ICE
   * restarts): short polls keep LMS workers free, and these rates keep joining under two seconds. */
  var NEGOTIATING_POLL_MS = 250;
  var ALONE_POLL_MS = 500;
  var CONNECTED_POLL_MS = 1500;
  /* The server takes 20 signaling messages per request and per second. */
  var BATCH_MAX = 20;

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

  function Call(room, config) {
    this.room = room;
    this.t = room.t;
    this.config = config || {};
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
  }

  Call.prototype.start = function () {
    var self = this;
    this.bindControls();
    if (stored("speaker") && typeof this.remote.setSinkId === "function") {
      this.remote.setSinkId(stored("speaker")).catch(function () { return null; });
    }
    return this.openMedia().then(function () {
      if (self.stopped) { return; }
      // Poll only once "hello" has cleared what an earlier page left queued; the offer follows it.
      self.resetPeer();
      self.send("hello", {}).then(function () { self.poll(); });
    });
  };

  /* Camera and microphone as chosen before joining; any device if those are gone; receive-only if denied. */
  Call.prototype.openMedia = function () {
    var self = this;
    var media = navigator.mediaDevices;
    if (!media || !media.getUserMedia) { return Promise.resolve(); }
    var chosen = { audio: device(stored("microphone")), video: device(stored("camera")) };
    return media.getUserMedia(chosen).catch(function (error) {
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
    this.queue.push({ kind: kind, data: Object.assign({ from: this.pcId, to: this.remoteId }, data) });
    if (this.queue.length === 1) {
      this.outbox = this.outbox.then(function () { return self.deliver(self.queue.splice(0)); });
    }
    return this.outbox;
  };

  Call.prototype.deliver = function (batch) {
    var self = this;
    var now = batch.slice(0, BATCH_MAX);
    return this.room.call("signal_send", { messages: now }).then(function (result) {
      if (result.status === 429) { return wait(1000).then(function () { return self.deliver(batch); }); }
      return batch.length > BATCH_MAX ? self.deliver(batch.slice(BATCH_MAX)) : null;
    }, function () { return null; });
  };

  Call.prototype.poll = function () {
    var self = this;
    if (this.stopped) { return; }
    this.room.call("signal_poll", { cursor: this.cursor }).then(function (result) {
      if (self.stopped) { return null; }
      if (!result.ok) {
        if (result.status === 403 || result.status === 409) { self.room.refresh(); }
        return null;
      }
      self.cursor = result.data.cursor;
      result.data.messages.forEach(function (message) {
        self.inbox = self.inbox.then(function () { return self.receive(message); }).catch(function () { return null; });
      });
      return self.inbox;
    }, function () { return null; }).then(function () {
      if (self.stopped) { return; }
      self.pollTimer = setTimeout(function () { self.poll(); }, self.pollInterval());
    });
  };

  Call.prototype.pollInterval = function () {
    if (this.connected) { return CONNECTED_POLL_MS; }
    return this.connectTimer || this.room.state.other_present ? NEGOTIATING_POLL_MS : ALONE_POLL_MS;
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
    this.connectTimer = setTimeout(function () { self.giveUp(); }, seconds * 1000);
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
    pc.onnegotiationneeded = async function () {
      try {
        self.makingOffer = true;
        await pc.setLocalDescription();
        if (pc === self.pc) { self.send("offer", { description: pc.localDescription.toJSON() }); }
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
    this.connected = false;
    if (this.pc) { this.pc.close(); this.pc = null; }
    this.remote.srcObject = null;
  };

  Call.prototype.onState = function (pc) {
    if (pc !== this.pc) { return; }
    var state = pc.connectionState;
    if (state === "connected" && !this.connected) {
      this.connected = true;
      this.clearConnectTimer();
      this.room.announce(this.t("Connected"));
      // Media flows, so the other person is in: show In Progress now rather than at the next heartbeat.
      this.room.refresh();
    } else if (state === "failed" || state === "disconnected") {
      this.connected = false;
    }
  };

  Call.prototype.remoteLeft = function (data) {
    var room = this.room;
    // The other side gave up on the direct connection: so do we, the same way (its timer may run first).
    if (data.reason === "fallback") { this.fallBack(); return; }
    if (data.reason === "failed") { this.giveUp(); return; }
    this.resetPeer();
    // Their leave request travels beside the bye and may be recorded a moment later: look twice.
    room.refresh();
    this.refreshTimer = setTimeout(function () { room.refresh(); }, 1500);
  };

  /* No direct path in time: the configured media server if there is one, else Technical Issues + Retry. */
  Call.prototype.giveUp = function () {
    this.clearConnectTimer();
    if (this.connected || this.stopped) { return; }
    if (this.config.fallback) {
      this.send("bye", { reason: "fallback" });
      this.fallBack();
      return;
    }
    var room = this.room;
    this.stop("failed");
    room.call("failure", { error_type: "ice_failed" }).then(function (result) {
      if (result.ok) { room.render(result.data); }
      var retry = room.$(".sr-retry-box");  // the spec's "Unable to connect. [Retry]"
      if (retry) { retry.hidden = false; }
      room.announce(room.t("Unable to connect."));
    });
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
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.refreshTimer);
    if (reason !== "fallback") { this.send("bye", { reason: reason || "leave" }); }
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
    start: function (room, config) {
      var call = new Call(room, config);
      call.start();
      return call;
    }
  };
}());
