/* Session Room scheduling: course staff's screen, and the tutor's "Book Next Session" form. ES2019, no framework. */
(function () {
  "use strict";

  var gettext = window.SessionRoomCommon.gettext;

  /* Staff forms show a failed network as a refusal with the spec's words. */
  function postJSON(url, body) {
    return window.SessionRoomCommon.postJSON(url, body).catch(function () {
      return { ok: false, status: 0, data: { message: gettext("Unable to connect.") } };
    });
  }

  /* The server names the field it refuses; the form's name for it. */
  var FIELD_OF = { start: "date", scheduled_start: "date", scheduled_end: "duration" };

  function whenValues(form) {
    return {
      date: form.elements.date.value,
      time: form.elements.time.value,
      duration: Number(form.elements.duration.value),
      time_zone: form.elements.time_zone.value
    };
  }

  function clearError(form) {
    var box = form.querySelector(".sr-form-error");
    box.hidden = true;
    box.textContent = "";
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (input) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
  }

  /* Show the refusal, mark the field it names as invalid, and put the keyboard there. */
  function showError(form, data) {
    var box = form.querySelector(".sr-form-error");
    if (!box.id) { box.id = form.id + "-error"; }
    box.textContent = data.message || gettext("Unable to connect.");
    box.hidden = false;
    var input = data.field ? form.elements[FIELD_OF[data.field] || data.field] : null;
    if (input && !input.readOnly) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", box.id);
      input.focus();
    }
  }

  /* A saved preference wins; otherwise the browser's zone replaces the server's UTC default. */
  function adoptBrowserZone(select) {
    if (!select || select.getAttribute("data-zone-source") !== "default") { return false; }
    var browserZone = "";
    try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { return false; }
    select.setAttribute("data-zone-source", "browser");
    var known = Array.prototype.some.call(select.options, function (option) { return option.value === browserZone; });
    if (!known || select.value === browserZone) { return false; }
    select.value = browserZone;
    refillWhen(select.form);
    return true;
  }

  /* A suggested start (Book Next Session) follows the zone: the same instant, on the new zone's clock. */
  function refillWhen(form) {
    var when = form.querySelector(".sr-when");
    var start = when && when.getAttribute("data-start");
    if (!start) { return; }
    var local = localParts(start, form.elements.time_zone.value);
    form.elements.date.value = local.date;
    form.elements.time.value = local.time;
  }

  /* An ISO instant as the date and time inputs' values in ``zone``. */
  function localParts(iso, zone) {
    var parts = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
    return { date: parts.year + "-" + parts.month + "-" + parts.day, time: parts.hour + ":" + parts.minute };
  }

  function StaffView(element, args) {
    this.root = element.classList.contains("sr-staff") ? element : element.querySelector(".sr-staff");
    this.urls = args.urls || {};
    this.form = this.root.querySelector(".sr-staff-form");
    this.form.id = this.form.id || args.prefix + "-form";
    this.list = this.root.querySelector(".sr-staff-sessions");
    this.live = this.root.querySelector(".sr-live");
    this.rescheduling = "";
  }

  StaffView.prototype.start = function () {
    var self = this;
    var zone = this.form.elements.time_zone;
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(); });
    this.root.querySelector(".sr-stop-rescheduling").addEventListener("click", function () { self.setMode(""); });
    zone.addEventListener("change", function () { self.call("list", {}); });
    this.list.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      var row = button && button.closest("tr[data-session]");
      if (!row) { return; }
      if (button.classList.contains("sr-reschedule-row")) { self.startRescheduling(row); }
      if (button.classList.contains("sr-cancel-row")) { self.cancel(row, button.getAttribute("data-confirm")); }
    });
    if (adoptBrowserZone(zone)) { this.call("list", {}); }
  };

  StaffView.prototype.call = function (action, body) {
    var self = this;
    var payload = Object.assign({ time_zone: this.form.elements.time_zone.value }, body);
    return postJSON(this.urls[action], payload).then(function (result) {
      if (result.ok && result.data.html !== undefined) { self.list.innerHTML = result.data.html; }
      if (result.ok && result.data.message) { self.live.textContent = result.data.message; }
      return result;
    });
  };

  StaffView.prototype.submit = function () {
    var self = this;
    var form = this.form;
    clearError(form);
    var body = whenValues(form);
    var action = this.rescheduling ? "reschedule" : "create";
    if (this.rescheduling) {
      body.session = this.rescheduling;
    } else {
      body.learner = form.elements.learner.value;
      body.tutor = form.elements.tutor.value;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    return this.call(action, body).then(function (result) {
      button.disabled = false;
      if (!result.ok) { showError(form, result.data); return; }
      self.setMode("");
      form.elements.learner.value = "";
      form.elements.tutor.value = "";
    });
  };

  /* One form for both: rescheduling keeps the pair and asks only for the new time. */
  StaffView.prototype.setMode = function (sessionId) {
    var form = this.form;
    this.rescheduling = sessionId;
    form.setAttribute("data-mode", sessionId ? "reschedule" : "create");
    Array.prototype.forEach.call(form.querySelectorAll(".sr-create-title"), function (node) { node.hidden = Boolean(sessionId); });
    Array.prototype.forEach.call(form.querySelectorAll(".sr-reschedule-title"), function (node) { node.hidden = !sessionId; });
    form.querySelector(".sr-stop-rescheduling").hidden = !sessionId;
    form.elements.learner.readOnly = Boolean(sessionId);
    form.elements.tutor.readOnly = Boolean(sessionId);
    clearError(form);
    if (!sessionId) {
      form.elements.learner.value = "";
      form.elements.tutor.value = "";
    }
  };

  StaffView.prototype.startRescheduling = function (row) {
    var form = this.form;
    this.setMode(row.getAttribute("data-session"));
    form.elements.learner.value = row.getAttribute("data-learner");
    form.elements.tutor.value = row.getAttribute("data-tutor");
    var local = localParts(row.getAttribute("data-start"), form.elements.time_zone.value);
    form.elements.date.value = local.date;
    form.elements.time.value = local.time;
    form.elements.duration.value = row.getAttribute("data-duration");
    form.querySelector("h3").focus();
  };

  StaffView.prototype.cancel = function (row, question) {
    var self = this;
    if (!window.confirm(question)) { return undefined; }
    return this.call("cancel", { session: row.getAttribute("data-session") }).then(function (result) {
      if (!result.ok) { self.live.textContent = result.data.message || gettext("Unable to connect."); }
      if (self.rescheduling === row.getAttribute("data-session")) { self.setMode(""); }
      self.form.querySelector("h3").focus();
    });
  };

  window.SessionRoomStaff = function (runtime, element, args) {
    var view = new StaffView(element, args || {});
    view.start();
    return view;
  };

  /* The tutor's "Book Next Session": delegated, so it works whenever and however often the fragment loads. */
  if (window.SessionRoomBookNextBound) { return; }
  window.SessionRoomBookNextBound = true;

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".sr-book-next");
    var room = link && link.closest(".sessionroom");
    var form = room && room.querySelector(".sr-book-next-form");
    if (!form) { return; }
    event.preventDefault();
    form.hidden = false;
    link.setAttribute("aria-expanded", "true");
    link.setAttribute("aria-controls", form.id);
    adoptBrowserZone(form.elements.time_zone);
    form.querySelector("h3[tabindex]").focus();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest(".sr-book-next-form");
    if (!form) { return; }
    event.preventDefault();
    clearError(form);
    var result = form.querySelector(".sr-form-result");
    var body = Object.assign({ session: form.getAttribute("data-session") }, whenValues(form));
    postJSON(form.getAttribute("data-url"), body).then(function (answer) {
      if (!answer.ok) { showError(form, answer.data); return; }
      result.textContent = answer.data.message || "";
    });
  });
}());
