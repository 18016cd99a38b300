/* Session Room side panel: text chat, shared session notes, resource links. ES2019, no framework.
 *
 * One poll (chat_poll) brings new chat lines plus the notes version and the number of shared links, so
 * notes and links are fetched only when they changed. It backs off while nothing changes.
 *
 * While a p2p call's data channel is open (p2p.js), the two browsers tell each other about chat lines,
 * notes and links directly and the poll stops. The server still stores everything: chat lines leave in
 * batches, each with its own id so a retried batch is stored once, at the latest when the page goes.
 * When the channel closes, the log is read again from the server, which then has every line.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var POLL_MAX_MS = 10000;
  var BACKOFF = 2;
  /* After the channel opens, one last poll picks up what was sent through the server meanwhile. */
  var CATCH_UP_MS = 1500;
  /* Chat lines the other browser already has are stored this long after the first one waits. */
  var FLUSH_MS = 4000;
  var FLUSH_RETRY_MS = 5000;
  var CHAT_BATCH = 50;
  /* Save the notes this long after the last keystroke; the other browser sees them as they are typed. */
  var NOTES_DEBOUNCE_MS = 800;
  var NOTES_LIVE_MS = 150;

  /* A random (version 4) UUID; crypto.randomUUID needs a secure context, getRandomValues does not. */
  function uuid4() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (byte) { return (byte + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function Panel(room) {
    this.room = room;
    this.t = room.t;
    this.events = room.listener();
    this.el = room.$(".sr-panel");
    this.log = room.$(".sr-chat-log");
    this.notes = room.$(".sr-notes-input");
    this.cursor = 0;
    this.loaded = false;
    // Version 0 and no links are what the page starts with: fetched only once there is something.
    this.notesVersion = 0;
    this.linkCount = 0;
    this.saving = null;
    this.dirty = false;
    this.stopped = false;
    this.delay = POLL_MS;
    this.pending = [];  // chat lines ({client_id, text}) the server has not stored yet
    this.flushing = null;
  }

  Panel.prototype.start = function () {
    var self = this;
    var room = this.room;
    var on = this.events.on;
    on(room.$(".sr-chat-form"), "submit", function (event) { event.preventDefault(); self.sendChat(); });
    on(room.$(".sr-chat-toggle"), "click", function () { self.toggle(); });
    on(this.notes, "input", function () { self.notesChanged(); });
    on(room.$(".sr-link-form"), "submit", function (event) { event.preventDefault(); self.addLink(event.target); });
    on(room.root, "sessionroom:peer-channel", function (event) { self.channelChanged(event.detail.open); });
    on(room.root, "sessionroom:peer-message", function (event) { self.fromPeer(event.detail); });
    // On a phone the video gets the screen: the panel starts closed and the Chat button opens it.
    if (room.isSmallScreen()) { this.setOpen(false); }
    this.poll();
  };

  /* Whether the other browser hears us directly (then nothing needs polling). */
  Panel.prototype.direct = function () { return Boolean(this.room.peer && this.room.peer.channelOpen()); };

  Panel.prototype.post = function (message) { return Boolean(this.room.peer && this.room.peer.post(message)); };

  Panel.prototype.channelChanged = function (open) {
    var self = this;
    clearTimeout(this.timer);
    if (open) {
      this.timer = setTimeout(function () { self.poll(true); }, CATCH_UP_MS);
      return;
    }
    // Lines seen over the channel come back from the server: read the log again, once ours are stored.
    this.cursor = 0;
    this.loaded = false;
    this.delay = POLL_MS;
    this.flush().then(function () { self.poll(); });
  };

  Panel.prototype.fromPeer = function (message) {
    if (message.type === "chat" && typeof message.text === "string") {
      this.showMessage({ text: message.text, mine: false, sender: this.room.state.other.name }, true);
    } else if (message.type === "notes" && typeof message.text === "string") {
      this.peerNotes(message);
    } else if (message.type === "links") {
      this.loadLinks(true);
    }
  };

  Panel.prototype.setOpen = function (open) {
    this.el.hidden = !open;
    this.room.$(".sr-chat-toggle").setAttribute("aria-expanded", String(open));
  };

  Panel.prototype.toggle = function () {
    var open = this.el.hidden;
    this.setOpen(open);
    if (open) { this.room.$(".sr-chat-input").focus(); }
  };

  /* Poll for chat, notes and links; ``once`` polls even with the channel open, and schedules nothing. */
  Panel.prototype.poll = function (once) {
    var self = this;
    clearTimeout(this.timer);
    if (this.stopped || (this.direct() && !once)) { return; }
    if (this.polling) { this.again = true; return; }  // one poll at a time; the next follows at once
    this.polling = true;
    this.again = false;
    var cursor = this.cursor;
    this.room.call("chat_poll", { cursor: cursor }).then(function (result) {
      if (!result.ok || self.stopped) { return; }
      var data = result.data;
      var news = self.loaded;  // what arrives after the history has loaded is news
      if (cursor === 0) { self.log.textContent = ""; }  // the whole log (again, after a rejoin or the channel)
      data.messages.forEach(function (message) { self.showMessage(message, news); });
      self.cursor = data.cursor;
      self.loaded = self.loaded || !data.more;
      self.again = self.again || data.more;
      var changed = data.messages.length > 0;
      if (data.notes_version !== self.notesVersion && !self.dirty && !self.saving) { self.loadNotes(); changed = true; }
      if (data.links !== self.linkCount) { self.loadLinks(news); changed = true; }
      self.delay = changed ? POLL_MS : Math.min(POLL_MAX_MS, self.delay * BACKOFF);
    }, function () { return null; }).then(function () {
      self.polling = false;
      if (self.stopped || (once && !self.again) || self.direct()) { return; }
      self.timer = setTimeout(function () { self.poll(); }, self.again ? 0 : self.delay);
    });
  };

  /* Chat -------------------------------------------------------------------------------------------- */

  Panel.prototype.showMessage = function (message, news) {
    var item = document.createElement("li");
    item.className = message.mine ? "sr-chat-mine" : "sr-chat-theirs";
    var sender = document.createElement("span");
    sender.className = "sr-chat-sender";
    sender.textContent = message.mine ? this.t("You") : message.sender;
    var text = document.createElement("span");
    text.textContent = message.text;
    item.appendChild(sender);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(text);
    this.log.appendChild(item);
    this.log.scrollTop = this.log.scrollHeight;
    // A new line from the other person is announced once; the history loaded on entry is not.
    if (news && !message.mine) { this.room.announce(message.sender + ": " + message.text); }
  };

  /*
   * A line the other browser gets directly is shown at once and stored with the next batch; otherwise it
   * is stored now and shown by the poll that follows, as the other side will see it.
   */
  Panel.prototype.sendChat = function () {
    var self = this;
    var input = this.room.$(".sr-chat-input");
    var text = input.value.trim();
    if (!text) { return; }
    var line = { client_id: uuid4(), text: text };
    if (this.post({ type: "chat", client_id: line.client_id, text: text })) {
      input.value = "";
      this.showMessage({ text: text, mine: true }, false);
      this.pending.push(line);
      this.flushSoon(FLUSH_MS);
      return;
    }
    function unable(result) { self.room.announce(result.data.message || self.t("Unable to connect.")); }
    this.room.call("chat_send", { messages: [line] }).then(function (result) {
      if (!result.ok) { unable(result); return; }
      input.value = "";
      self.delay = POLL_MS;
      self.poll();
    }, function () { unable({ data: {} }); });
  };

  Panel.prototype.flushSoon = function (ms) {
    var self = this;
    if (!this.flushTimer) { this.flushTimer = setTimeout(function () { self.flush(); }, ms); }
  };

  /*
   * Store the chat lines the other browser already has, a batch at a time. Lines the server refuses for
   * good (too long, session ended) are dropped; after a network error, 429 or 5xx they are sent again.
   */
  Panel.prototype.flush = function () {
    var self = this;
    clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.flushing) { return this.flushing; }
    if (!this.pending.length) { return Promise.resolve(); }
    var batch = this.pending.slice(0, CHAT_BATCH);
    this.flushing = this.room.call("chat_send", { messages: batch }).then(function (result) {
      var refused = !result.ok && result.status !== 429 && result.status < 500;
      var settled = refused ? batch.map(function (line) { return line.client_id; }) : result.data.stored || [];
      self.pending = self.pending.filter(function (line) { return settled.indexOf(line.client_id) < 0; });
      return settled.length > 0;
    }, function () { return false; }).then(function (progress) {
      self.flushing = null;
      if (self.pending.length && !self.stopped) { self.flushSoon(progress ? 0 : FLUSH_RETRY_MS); }
    });
    return this.flushing;
  };

  /* Store what is not stored yet (chat lines, notes being typed): before leaving, or as the page goes. */
  Panel.prototype.save = function () {
    if (this.dirty) { this.saveNotes(); }
    var notes = this.saving || Promise.resolve();
    return Promise.all([this.flush(), notes]).then(function () { return null; }, function () { return null; });
  };

  /* Notes ------------------------------------------------------------------------------------------- */

  Panel.prototype.status = function (text) {
    this.room.$(".sr-notes-status").textContent = text;
  };

  Panel.prototype.loadNotes = function () {
    var self = this;
    this.room.call("notes_get").then(function (result) {
      if (result.ok && !self.dirty && !self.saving) { self.showNotes(result.data); }
    });
  };

  Panel.prototype.showNotes = function (data) {
    this.notes.value = data.text;
    this.synced(data);
  };

  /* What the server holds: the base our next edit is compared with. */
  Panel.prototype.synced = function (data) {
    this.notesBase = data.text;
    this.notesVersion = data.version;
  };

  /*
   * The other person saved first. Text we only added at the end (the usual way notes grow) is put after
   * theirs and saved again; any other edit would overwrite theirs, so theirs is shown instead.
   */
  Panel.prototype.merge = function (mine, theirs) {
    var base = this.notesBase || "";
    var added = mine.indexOf(base) === 0 ? mine.slice(base.length) : null;
    this.showNotes(theirs);
    if (added) {
      this.notes.value = theirs.text + added;
      this.dirty = true;
      this.status(this.t("Merged with the other participant's changes."));
      return;
    }
    this.status(theirs.message);
  };

  Panel.prototype.notesChanged = function () {
    var self = this;
    this.dirty = true;
    clearTimeout(this.notesTimer);
    this.notesTimer = setTimeout(function () { self.saveNotes(); }, NOTES_DEBOUNCE_MS);
    if (!this.liveTimer) {
      this.liveTimer = setTimeout(function () {
        self.liveTimer = null;
        self.post({ type: "notes", text: self.notes.value });
      }, NOTES_LIVE_MS);
    }
  };

  /*
   * The other person's notes over the data channel: as they type (shown unless we are typing too; the
   * server's version check sorts that out) and once saved (the version our next save starts from).
   */
  Panel.prototype.peerNotes = function (message) {
    if (this.dirty || this.saving) { return; }
    var start = this.notes.selectionStart;
    var end = this.notes.selectionEnd;
    this.notes.value = message.text;
    this.notes.setSelectionRange(Math.min(start, message.text.length), Math.min(end, message.text.length));
    this.notesBase = message.text;  // what our next edit adds to (see merge)
    if (typeof message.version === "number") { this.notesVersion = message.version; }
  };

  /* One save at a time; what was typed during a save is saved right after it, from the new version. */
  Panel.prototype.saveNotes = function () {
    var self = this;
    if (this.saving) { return; }
    var text = this.notes.value;
    this.dirty = false;
    this.status(this.t("Saving…"));
    this.saving = this.room.call("notes_save", { text: text, version: this.notesVersion });
    this.saving.then(function (result) {
      self.saving = null;
      if (result.ok) {
        self.synced(result.data);
        self.status(self.t("Saved"));
        if (!self.dirty) { self.post({ type: "notes", text: result.data.text, version: result.data.version }); }
      } else if (result.status === 409) {
        self.merge(self.notes.value, result.data);
      } else {
        // Refused (too long, too fast): the next keystroke tries again, not a loop.
        self.dirty = true;
        self.status(result.data.message || self.t("Not saved. Unable to connect."));
        return;
      }
      if (self.dirty) { self.saveNotes(); }
    }, function () {
      self.saving = null;
      self.dirty = true;
      self.status(self.t("Not saved. Unable to connect."));
    });
  };

  /* Links ------------------------------------------------------------------------------------------- */

  Panel.prototype.loadLinks = function (news) {
    var self = this;
    this.room.call("links_get").then(function (result) {
      if (!result.ok) { return; }
      var list = self.room.$(".sr-session-links");
      list.textContent = "";
      result.data.links.forEach(function (link) {
        var item = document.createElement("li");
        var anchor = document.createElement("a");
        anchor.href = link.url;  // http(s) only: checked by link_add
        anchor.target = "_blank";
        anchor.rel = "noopener noreferrer";
        anchor.textContent = link.title;
        item.appendChild(anchor);
        list.appendChild(item);
      });
      if (news && result.data.links.length > self.linkCount) { self.room.announce(self.t("New resource link")); }
      self.linkCount = result.data.links.length;
    });
  };

  Panel.prototype.addLink = function (form) {
    var self = this;
    var error = form.querySelector(".sr-link-error");
    var title = form.querySelector(".sr-link-title");
    var url = form.querySelector(".sr-link-url");
    this.room.call("link_add", { title: title.value, url: url.value }).then(function (result) {
      error.hidden = result.ok;
      if (!result.ok) {
        error.textContent = result.data.message || self.t("Unable to connect.");
        return;
      }
      title.value = "";
      url.value = "";
      self.loadLinks(false);
      self.post({ type: "links" });
    });
  };

  Panel.prototype.stop = function () {
    this.save();
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.notesTimer);
    clearTimeout(this.liveTimer);
    this.events.off();
  };

  window.SessionRoomPanel = {
    start: function (room) {
      var panel = new Panel(room);
      panel.start();
      return panel;
    }
  };
}());
