/* Device check before joining: camera preview, microphone meter, test tone and device choice. ES2019.
 * The chosen device ids go to localStorage (keys in the selects' data-key) so the room uses the same ones. */
(function () {
  "use strict";

  function stored(key) {
    try { return window.localStorage.getItem(key) || ""; } catch (error) { return ""; }
  }

  function store(key, value) {
    // Private modes may refuse storage: the choice then lasts as long as this page.
    try { window.localStorage.setItem(key, value); } catch (error) { /* see above */ }
  }

  function stopTracks(stream) {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
  }

  /* Which browser's steps to show for allowing camera and microphone (the prejoin's .sr-media-howto). */
  function browserFamily() {
    var agent = navigator.userAgent;
    if (/Firefox\//.test(agent)) { return "firefox"; }
    if (/Chrome\/|Chromium\/|Edg\//.test(agent)) { return "chromium"; }
    if (/Safari\//.test(agent)) { return "safari"; }
    return "other";
  }

  /* A preview toggle's pressed state, accessible name and short visible label (prejoin.html's data-*). */
  function setToggle(button, pressed) {
    button.setAttribute("aria-pressed", String(pressed));
    button.setAttribute("aria-label", button.getAttribute(pressed ? "data-name-pressed" : "data-name-released"));
    button.querySelector(".sr-control-label").textContent = button.getAttribute(pressed ? "data-short-pressed" : "data-short-released");
  }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  /* Errors of getUserMedia the user can fix by allowing access; anything else means no usable device. */
  var DENIED = { NotAllowedError: true, SecurityError: true, PermissionDeniedError: true };

  function DeviceCheck(root, t, announce) {
    this.root = root;
    this.t = t;
    this.announce = announce;
    this.stream = null;
    this.generation = 0;
    this.frame = 0;
  }

  DeviceCheck.prototype.$ = function (selector) { return this.root.querySelector(selector); };

  DeviceCheck.prototype.select = function (kind) { return this.$(".sr-select[data-kind=" + kind + "]"); };

  DeviceCheck.prototype.bind = function () {
    var self = this;
    var selects = this.root.querySelectorAll(".sr-select");
    Array.prototype.forEach.call(selects, function (select) {
      select.addEventListener("change", function () {
        store(select.getAttribute("data-key"), select.value);
        if (select.getAttribute("data-kind") !== "audiooutput") { self.restart(); }
      });
    });
    var speakerChoice = this.$(".sr-speaker-choice");
    // Without setSinkId (Safari) the page cannot pick an output: the system's speaker is used.
    if (speakerChoice && !("setSinkId" in HTMLMediaElement.prototype)) { speakerChoice.hidden = true; }
    var testMedia = this.$(".sr-test-media");
    if (testMedia) { testMedia.addEventListener("click", function () { self.runTest(); }); }
    ["mute", "camera"].forEach(function (name) {
      var button = self.$(".sr-preview-" + name);
      if (button) { button.addEventListener("click", function () { self.toggleTrack(button); }); }
    });
    var testSpeaker = this.$(".sr-test-speaker");
    if (testSpeaker) { testSpeaker.addEventListener("click", function () { self.playTone(); }); }
    // Browsers start an AudioContext suspended until the user interacts; the meter needs it running.
    this.root.addEventListener("pointerdown", function () { self.resumeAudio(); });
    this.root.addEventListener("keydown", function () { self.resumeAudio(); });
    if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
      navigator.mediaDevices.addEventListener("devicechange", function () { self.listDevices(); });
    }
  };

  /* Ask for the stored devices as a preference, not a requirement, so an unplugged one falls back. */
  DeviceCheck.prototype.constraints = function () {
    var camera = stored(this.select("videoinput").getAttribute("data-key"));
    var microphone = stored(this.select("audioinput").getAttribute("data-key"));
    return { video: camera ? { deviceId: camera } : true, audio: microphone ? { deviceId: microphone } : true };
  };

  /* Camera and microphone together; when the camera is missing or busy, the microphone alone (the other
   * person then hears but does not see). Runs once until stopped: after a refusal only "Test Audio/Video"
   * asks again, so polling never nags the browser. */
  DeviceCheck.prototype.start = function () {
    var self = this;
    if (this.active) { return this.started; }
    this.active = true;
    var generation = this.generation;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.setProblem("missing");
      this.started = Promise.resolve();
      return this.started;
    }
    var constraints = this.constraints();
    function use(stream) {
      if (generation !== self.generation) { stopTracks(stream); return; }
      self.stream = stream;
      self.setProblem(stream.getVideoTracks().length ? "" : "no-camera");
      self.applyToggles();
      self.$(".sr-preview").srcObject = stream;
      self.startMeter(stream);
      self.listDevices();
    }
    function fail(error) {
      if (generation !== self.generation) { return; }
      self.setProblem(DENIED[error.name] ? "denied" : "missing");
      self.listDevices();
    }
    this.started = navigator.mediaDevices.getUserMedia(constraints).then(use, function (error) {
      if (DENIED[error.name]) { fail(error); return null; }
      return navigator.mediaDevices.getUserMedia({ audio: constraints.audio }).then(use, fail);
    });
    return this.started;
  };

  /* The preview's own mute and camera toggles: the tracks keep running (the meter shows the microphone
   * works); a muted track sends silence, a stopped camera black. */
  DeviceCheck.prototype.toggleTrack = function (button) {
    setToggle(button, button.getAttribute("aria-pressed") !== "true");
    this.applyToggles();
  };

  DeviceCheck.prototype.applyToggles = function () {
    var self = this;
    if (!this.stream) { return; }
    [["mute", "getAudioTracks"], ["camera", "getVideoTracks"]].forEach(function (pair) {
      var button = self.$(".sr-preview-" + pair[0]);
      var off = button && button.getAttribute("aria-pressed") === "true";
      self.stream[pair[1]]().forEach(function (track) { track.enabled = !off; });
    });
  };

  /*
   * "Test Audio/Video": the whole check in order (camera preview, two seconds of the microphone meter,
   * then the test tone) and what it found, line by line in a status region.
   */
  DeviceCheck.prototype.runTest = function () {
    var self = this;
    var t = this.t;
    var report = this.$(".sr-test-report");
    var peak = 0;
    function show(lines) {
      if (!report) { return; }
      var list = document.createElement("ul");
      lines.forEach(function (line) {
        var item = document.createElement("li");
        item.textContent = line;
        list.appendChild(item);
      });
      report.textContent = "";
      report.appendChild(list);
    }
    show([t("Testing camera and microphone…")]);
    this.stop();
    return this.start().then(function () {
      self.onLevel = function (level) { peak = Math.max(peak, level); };
      return wait(2000);
    }).then(function () {
      self.onLevel = null;
      var stream = self.stream;
      var lines = [];
      var video = stream && stream.getVideoTracks().length;
      var audio = stream && stream.getAudioTracks().length;
      lines.push(video ? t("Camera: working.") : t("Camera: not available."));
      if (!audio) {
        lines.push(t("Microphone: not available."));
      } else {
        lines.push(peak > 0 ? t("Microphone: picking up sound.") : t("Microphone: no sound heard. Check that it is not muted."));
      }
      self.playTone();
      lines.push(t("Speaker: a test sound is playing. If you did not hear it, check your speaker and volume."));
      show(lines);
    });
  };

  /* Release the camera and microphone (before joining, the room or the provider's frame opens its own). */
  DeviceCheck.prototype.stop = function () {
    this.active = false;
    this.generation += 1;
    cancelAnimationFrame(this.frame);
    if (this.source) { this.source.disconnect(); this.source = null; }
    stopTracks(this.stream);
    this.stream = null;
    var preview = this.$(".sr-preview");
    if (preview) { preview.srcObject = null; }
    this.showLevel(0);
  };

  /* Hand the camera and microphone over to the call, which would otherwise open them again (slow with a
   * real camera, and its light blinks); the check itself stops. Null when it has nothing live. */
  DeviceCheck.prototype.take = function () {
    var stream = this.stream;
    this.stream = null;
    this.stop();
    var live = stream && stream.getTracks().some(function (track) { return track.readyState === "live"; });
    return live ? stream : null;
  };

  DeviceCheck.prototype.restart = function () {
    this.stop();
    this.start();
  };

  /* "denied" (the user can allow access), "missing" (no usable device): they can still join, listening;
   * "no-camera": they join with sound only; "": all is well. The room reads data-media on the root. */
  DeviceCheck.prototype.setProblem = function (problem) {
    this.root.setAttribute("data-media", problem || "ok");
    this.$(".sr-media-error").hidden = !problem;
    var family = browserFamily();
    Array.prototype.forEach.call(this.root.querySelectorAll(".sr-media-howto"), function (howto) {
      howto.hidden = problem !== "denied" || howto.getAttribute("data-browser") !== family;
    });
    var retry = this.$(".sr-media-retry");
    if (retry) { retry.hidden = problem !== "denied" && problem !== "missing"; }
    this.$(".sr-media-denied").hidden = problem !== "denied";
    this.$(".sr-media-missing").hidden = problem !== "missing";
    this.$(".sr-media-no-camera").hidden = problem !== "no-camera";
    this.$(".sr-listen-only").hidden = problem === "no-camera";
  };

  DeviceCheck.prototype.audioContext = function () {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!this.context && Context) { this.context = new Context(); }
    return this.context;
  };

  DeviceCheck.prototype.resumeAudio = function () {
    if (this.context && this.context.state === "suspended") { this.context.resume(); }
  };

  DeviceCheck.prototype.startMeter = function (stream) {
    var context = this.audioContext();
    if (!context || !stream.getAudioTracks().length) { return; }
    var self = this;
    var analyser = context.createAnalyser();
    analyser.fftSize = 512;
    this.source = context.createMediaStreamSource(stream);
    this.source.connect(analyser);
    var samples = new Uint8Array(analyser.fftSize);
    function draw() {
      analyser.getByteTimeDomainData(samples);
      var sum = 0;
      for (var i = 0; i < samples.length; i += 1) {
        var value = (samples[i] - 128) / 128;
        sum += value * value;
      }
      // RMS of speech sits around 0.05-0.3; scale so a normal voice fills most of the bar.
      var level = Math.min(100, Math.round(Math.sqrt(sum / samples.length) * 300));
      self.showLevel(level);
      if (self.onLevel) { self.onLevel(level); }
      self.frame = requestAnimationFrame(draw);
    }
    draw();
  };

  /* The meter redraws every animation frame. Its moving parts live in a shadow root, which the Learning
   * MFE's frame page cannot see: it observes the body's subtree for attribute changes and re-binds a click
   * handler on every link for each one. The meter's role and name move in with it (styled via ::part). */
  DeviceCheck.prototype.meterParts = function () {
    if (this.meter) { return this.meter; }
    var host = this.$(".sr-meter");
    if (!host || !host.attachShadow) { return host && { meter: host, bar: host.querySelector(".sr-meter-bar") }; }
    var meter = document.createElement("span");
    var bar = document.createElement("span");
    meter.setAttribute("part", "level");
    bar.setAttribute("part", "bar");
    // An id reference cannot cross into a shadow root: the visible label's text becomes the inner name.
    var label = host.getAttribute("aria-labelledby") && document.getElementById(host.getAttribute("aria-labelledby"));
    if (label) { host.setAttribute("aria-label", label.textContent.trim()); }
    ["role", "aria-label", "aria-labelledby", "aria-valuemin", "aria-valuemax", "aria-valuenow"].forEach(function (name) {
      if (host.hasAttribute(name) && name !== "aria-labelledby") { meter.setAttribute(name, host.getAttribute(name)); }
      host.removeAttribute(name);
    });
    meter.appendChild(bar);
    host.attachShadow({ mode: "open" }).appendChild(meter);
    this.meter = { meter: meter, bar: bar };
    return this.meter;
  };

  DeviceCheck.prototype.showLevel = function (level) {
    var parts = this.meterParts();
    if (!parts) { return; }
    var meter = parts.meter;
    parts.bar.style.transform = "scaleX(" + level / 100 + ")";
    // Screen readers read the value on demand; updating it in steps keeps the accessibility tree quiet.
    var shown = Number(meter.getAttribute("aria-valuenow"));
    if (Math.abs(level - shown) >= 5 || (level === 0 && shown !== 0)) { meter.setAttribute("aria-valuenow", String(level)); }
  };

  /* A one-second 440 Hz tone through the chosen speaker (an audio element, because it can setSinkId). */
  DeviceCheck.prototype.playTone = function () {
    var context = this.audioContext();
    if (!context) { return; }
    this.resumeAudio();
    var oscillator = context.createOscillator();
    var gain = context.createGain();
    var output = context.createMediaStreamDestination();
    var now = context.currentTime;
    oscillator.frequency.value = 440;
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.3, now + 0.05);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 1);
    oscillator.connect(gain);
    gain.connect(output);
    var player = this.player || (this.player = new Audio());
    player.srcObject = output.stream;
    var speaker = this.select("audiooutput");
    var sink = speaker && speaker.value && player.setSinkId ? player.setSinkId(speaker.value) : Promise.resolve();
    sink.catch(function () { /* an unplugged speaker: play on the default one */ }).then(function () {
      return player.play();
    }).catch(function () { /* autoplay refused: the user clicks again */ });
    oscillator.start(now);
    oscillator.stop(now + 1);
    this.announce(this.t("Playing a test sound."));
  };

  /* Fill the selects; labels are only known once the user allowed access, so number them until then. */
  DeviceCheck.prototype.listDevices = function () {
    var self = this;
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) { return Promise.resolve(); }
    return navigator.mediaDevices.enumerateDevices().then(function (devices) {
      Array.prototype.forEach.call(self.root.querySelectorAll(".sr-select"), function (select) {
        self.fill(select, devices.filter(function (device) { return device.kind === select.getAttribute("data-kind"); }));
      });
    });
  };

  DeviceCheck.prototype.fill = function (select, devices) {
    var kind = select.getAttribute("data-kind");
    var track = this.stream && this.stream.getTracks().filter(function (item) { return item.kind + "input" === kind; })[0];
    var current = (track && track.getSettings().deviceId) || stored(select.getAttribute("data-key"));
    var t = this.t;
    select.textContent = "";
    if (!devices.length) {
      // No device of this kind: the picker says so instead of standing empty.
      var none = document.createElement("option");
      none.value = "";
      none.textContent = select.getAttribute("data-none") || "";
      select.appendChild(none);
    }
    devices.forEach(function (device, index) {
      var option = document.createElement("option");
      option.value = device.deviceId;
      option.textContent = device.label || t("Device {number}").replace("{number}", String(index + 1));
      select.appendChild(option);
    });
    select.disabled = !devices.length || !devices[0].deviceId;
    if (current && devices.some(function (device) { return device.deviceId === current; })) { select.value = current; }
  };

  window.SessionRoomParts = window.SessionRoomParts || {};
  window.SessionRoomParts.DeviceCheck = DeviceCheck;
}());
