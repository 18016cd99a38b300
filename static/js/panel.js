/* Session Room side panel: text chat, shared session notes, resource links. ES2019, no framework.
 *
 * One poll (chat_poll) brings new chat lines plus the notes version and the number of shared links, so
 * notes and links are fetched only when they changed.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  /* Save the notes this long after the last keystroke. */
  var NOTES_DEBOUNCE_MS = 800;

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
  }

  Panel.prototype.start = function () {
    var self = this;
    var room = this.room;
    var on = this.events.on;
    this.log.textContent = "";  // a rejoin reloads the history from the start
    on(room.$(".sr-chat-form"), "submit", function (event) { event.preventDefault(); self.sendChat(); });
    on(room.$(".sr-chat-toggle"), "click", function () { self.toggle(); });
    on(this.notes, "input", function () { self.notesChanged(); });
    on(room.$(".sr-link-form"), "submit", function (event) { event.preventDefault(); self.addLink(event.target); });
    // On a phone the video gets the screen: the panel starts closed and the Chat button opens it.
    if (room.isSmallScreen()) { this.setOpen(false); }
    this.poll();
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

  Panel.prototype.poll = function () {
    var self = this;
    clearTimeout(this.timer);
    if (this.stopped) { return; }
    if (this.polling) { this.again = true; return; }  // one poll at a time; the next follows at once
    this.polling = true;
    this.again = false;
    this.room.call("chat_poll", { cursor: this.cursor }).then(function (result) {
      if (!result.ok || self.stopped) { return; }
      var data = result.data;
      var news = self.loaded;  // what arrives after the history has loaded is news
      data.messages.forEach(function (message) { self.showMessage(message, news); });
      self.cursor = data.cursor;
      self.loaded = self.loaded || !data.more;
      self.again = self.again || data.more;
      if (data.notes_version !== self.notesVersion && !self.dirty && !self.saving) { self.loadNotes(); }
      if (data.links !== self.linkCount) { self.loadLinks(news); }
    }, function () { return null; }).then(function () {
      self.polling = false;
      if (!self.stopped) { self.timer = setTimeout(function () { self.poll(); }, self.again ? 0 : POLL_MS); }
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

  Panel.prototype.sendChat = function () {
    var self = this;
    var input = this.room.$(".sr-chat-input");
    var text = input.value.trim();
    if (!text) { return; }
    this.room.call("chat_send", { text: text }).then(function (result) {
      if (result.ok) {
        input.value = "";
        self.poll();
      } else {
        self.room.announce(result.data.message || self.t("Unable to connect."));
      }
    });
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
    });
  };

  Panel.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.dirty) { this.saveNotes(); }
    clearTimeout(this.notesTimer);
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
