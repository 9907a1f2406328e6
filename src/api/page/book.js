// The booking page and the manage page: one script, no build step, no other origin. Every
// string from the API is put in the page as text (textContent), never as HTML.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const DAY = 86400000;

  // The page is /book/{user_id}/{slug} or /book/manage/{token}, under any stage prefix: the
  // API's paths are the page's own, from the same prefix.
  const segments = location.pathname.replace(/\/+$/, "").split("/");
  const count = segments.length;
  const prefix = segments.slice(0, count - 3).join("/");
  const managing = segments[count - 2] === "manage";
  const first = segments[count - 2];
  const second = segments[count - 1];
  const api = (path) => prefix + path;

  const REASONS = {
    unavailable: "Sorry, that time was just taken. Here are the times that are free now.",
    too_soon: "That time is now too soon to book. Here are the times you can still pick.",
    beyond_horizon: "That time is too far ahead to book yet. Pick an earlier one.",
    day_full: "That day is now fully booked. Pick a time on another day.",
    off_grid: "Meetings of this kind do not start at that time. Pick one of the times listed.",
    invitee_limit: "This email already has the most upcoming bookings one may hold with this host.",
    cancelled: "This booking was cancelled, so it cannot be moved. Book a new time instead.",
  };

  const state = {
    zone: "UTC", // the browser's, once start() runs
    weekStart: null, // YYYY-MM-DD in state.zone
    event: null, // the event type (booking page)
    booking: null, // the booking (manage page)
    chosen: null, // {start, end} in ms
    busy: false,
  };

  // Browsers' ICU still names some zones by their old spellings; people know the new ones.
  const RENAMED = {
    "Asia/Calcutta": "Asia/Kolkata", "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Saigon": "Asia/Ho_Chi_Minh", "Asia/Rangoon": "Asia/Yangon",
    "Europe/Kiev": "Europe/Kyiv", "Atlantic/Faeroe": "Atlantic/Faroe",
    "America/Godthab": "America/Nuuk", "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk", "Pacific/Enderbury": "Pacific/Kanton",
  };
  function modern(zone) {
    const renamed = RENAMED[zone];
    return renamed && zoneKnown(renamed) ? renamed : zone;
  }
  function browserZone() {
    try {
      return modern(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
    } catch (_) {
      return "UTC";
    }
  }

  // ---- Time in a zone, with Intl only -------------------------------------------------------
  const formats = new Map();
  function format(zone, options) {
    const key = zone + JSON.stringify(options);
    if (!formats.has(key)) {
      formats.set(key, new Intl.DateTimeFormat(undefined, Object.assign({ timeZone: zone }, options)));
    }
    return formats.get(key);
  }
  const partsFormat = (zone) =>
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
  const partsFormats = new Map();
  function parts(ms, zone) {
    if (!partsFormats.has(zone)) partsFormats.set(zone, partsFormat(zone));
    const out = {};
    for (const part of partsFormats.get(zone).formatToParts(new Date(ms))) out[part.type] = part.value;
    return out;
  }
  function localDate(ms, zone) {
    const p = parts(ms, zone);
    return p.year + "-" + p.month + "-" + p.day;
  }
  function offset(ms, zone) {
    const p = parts(ms, zone);
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
    return asUtc - Math.floor(ms / 1000) * 1000;
  }
  function utcOfDate(date) {
    const [y, m, d] = date.split("-").map(Number);
    return Date.UTC(y, m - 1, d);
  }
  // The instant a local date begins in `zone` (the first instant of that date).
  function startOfDate(date, zone) {
    const guess = utcOfDate(date);
    let instant = guess - offset(guess, zone);
    instant = guess - offset(instant, zone);
    // Near a change the guess may land an hour off either way: step to the date's first hour.
    if (localDate(instant, zone) !== date) instant += 3600000;
    else if (localDate(instant - 3600000, zone) === date) instant -= 3600000;
    return instant;
  }
  function addDays(date, days) {
    return new Date(utcOfDate(date) + days * DAY).toISOString().slice(0, 10);
  }
  const timeText = (ms, zone) => format(zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(ms));
  const dayText = (date) => format("UTC", { weekday: "long", day: "numeric", month: "long" }).format(new Date(utcOfDate(date)));
  const fullText = (ms, zone) =>
    format(zone, { weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(new Date(ms)) +
    ", " + timeText(ms, zone);
  function rangeText(start, end, zone) {
    return fullText(start, zone) + "–" + timeText(end, zone) + " (" + zone + ")";
  }
  function durationText(iso) {
    const match = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(iso || "");
    if (!match) return iso || "";
    const hours = +(match[1] || 0);
    const minutes = +(match[2] || 0);
    const words = [];
    if (hours) words.push(hours + (hours === 1 ? " hour" : " hours"));
    if (minutes) words.push(minutes + (minutes === 1 ? " minute" : " minutes"));
    return words.join(" ");
  }

  // ---- Talking to the API --------------------------------------------------------------------
  async function call(method, path, body) {
    const options = { method, headers: { accept: "application/json" }, credentials: "omit" };
    if (body !== undefined) {
      options.headers["content-type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(api(path), options);
    } catch (_) {
      return { status: 0, body: {} };
    }
    let parsed = {};
    try {
      parsed = await response.json();
    } catch (_) {
      parsed = {};
    }
    return { status: response.status, body: parsed, retryAfter: response.headers.get("retry-after") };
  }

  // What to say for an answer that is not a success.
  function refusal(answer, notFound) {
    const body = answer.body || {};
    if (answer.status === 409 && REASONS[body.reason]) return REASONS[body.reason];
    if (answer.status === 429) {
      const seconds = parseInt(answer.retryAfter, 10);
      const when = seconds > 0 ? "in " + seconds + (seconds === 1 ? " second" : " seconds") : "in a minute";
      return "Too many booking changes came from your network just now. Please try again " + when + ".";
    }
    if (answer.status === 404) return notFound;
    if (answer.status === 400 && typeof body.error === "string") return "Please check the form: " + body.error;
    if (answer.status === 0) return "The booking service could not be reached. Check your connection and try again.";
    return "Something went wrong (" + answer.status + "). Please try again.";
  }

  function say(text) {
    $("status").textContent = text;
  }
  function warn(text) {
    $("alert").textContent = text;
  }
  function show(id, visible) {
    $(id).hidden = !visible;
  }
  function focus(id) {
    const element = $(id);
    if (element) element.focus();
  }

  // ---- The week of free times -----------------------------------------------------------------
  function fillZones() {
    const select = $("zone");
    let zones = [];
    try {
      zones = Intl.supportedValuesOf("timeZone").map(modern).sort();
    } catch (_) {
      zones = [];
    }
    if (!zones.includes(state.zone)) zones = [state.zone].concat(zones);
    if (!zones.includes("UTC")) zones = zones.concat(["UTC"]);
    for (const zone of zones) {
      const option = document.createElement("option");
      option.value = zone;
      option.textContent = zone.replace(/_/g, " ");
      select.append(option);
    }
    select.value = state.zone;
    select.addEventListener("change", () => {
      state.zone = select.value;
      state.weekStart = null;
      if (state.booking) showBooking(state.booking);
      if (!$("booking-view").hidden) loadWeek();
    });
    $("week-start").addEventListener("change", () => {
      const value = $("week-start").value;
      if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
        state.weekStart = value < today() ? today() : value;
        loadWeek();
      }
    });
    $("earlier").addEventListener("click", () => moveWeek(-7));
    $("later").addEventListener("click", () => moveWeek(7));
  }
  const today = () => localDate(Date.now(), state.zone);
  function moveWeek(days) {
    const next = addDays(state.weekStart || today(), days);
    state.weekStart = next < today() ? today() : next;
    loadWeek();
  }

  function slotsPath(from, to) {
    const query = "?from=" + encodeURIComponent(new Date(from).toISOString()) +
      "&to=" + encodeURIComponent(new Date(to).toISOString());
    return managing
      ? "/manage/" + second + "/slots" + query
      : "/public/" + first + "/" + second + "/slots" + query;
  }

  let loading = 0;
  async function loadWeek() {
    const ticket = ++loading;
    const zone = state.zone;
    const start = state.weekStart || today();
    state.weekStart = start;
    $("week-start").value = start;
    $("week-start").min = today();
    $("earlier").disabled = start <= today();
    const from = Math.max(Date.now(), startOfDate(start, zone));
    const to = startOfDate(addDays(start, 7), zone);
    $("times-heading").textContent = "Free times, " + dayText(start) + " to " + dayText(addDays(start, 6));
    $("days").setAttribute("aria-busy", "true");
    say("Loading free times…");
    const answer = await call("GET", slotsPath(from, to));
    if (ticket !== loading) return;
    $("days").removeAttribute("aria-busy");
    if (answer.status !== 200) {
      say("");
      warn(refusal(answer, "This booking link does not lead to anything that can be booked."));
      return;
    }
    const byDate = new Map();
    for (const slot of answer.body.slots || []) {
      const startMs = Date.parse(slot.start_time);
      const endMs = Date.parse(slot.end_time);
      const date = localDate(startMs, zone);
      if (!byDate.has(date)) byDate.set(date, []);
      byDate.get(date).push({ start: startMs, end: endMs, iso: slot.start_time });
    }
    const days = $("days");
    days.replaceChildren();
    let total = 0;
    for (let i = 0; i < 7; i++) {
      const date = addDays(start, i);
      const section = document.createElement("section");
      section.className = "day";
      section.dataset.date = date;
      const heading = document.createElement("h3");
      heading.textContent = dayText(date);
      heading.id = "day-" + date;
      section.setAttribute("aria-labelledby", heading.id);
      section.append(heading);
      const slots = byDate.get(date) || [];
      if (slots.length === 0) {
        const none = document.createElement("p");
        none.className = "none";
        none.textContent = "No free times";
        section.append(none);
      } else {
        const list = document.createElement("ul");
        for (const slot of slots) {
          const item = document.createElement("li");
          const button = document.createElement("button");
          button.type = "button";
          button.className = "slot";
          button.dataset.start = slot.iso;
          button.textContent = timeText(slot.start, zone);
          button.setAttribute("aria-label", fullText(slot.start, zone));
          button.addEventListener("click", () => choose(slot));
          item.append(button);
          list.append(item);
        }
        section.append(list);
        total += slots.length;
      }
      days.append(section);
    }
    say(total === 0
      ? "No free times this week. Try a later week."
      : total + (total === 1 ? " free time" : " free times") + " this week, shown in " + zone + ".");
  }

  function choose(slot) {
    state.chosen = slot;
    warn("");
    const text = rangeText(slot.start, slot.end, state.zone);
    if (managing) {
      $("move-chosen").textContent = "New time: " + text;
      show("booking-view", false);
      show("move", true);
      focus("move-confirm");
    } else {
      $("chosen").textContent = "You picked " + text + ".";
      show("booking-view", false);
      show("form", true);
      focus("name");
    }
  }

  // ---- The booking page -----------------------------------------------------------------------
  async function startBooking() {
    const answer = await call("GET", "/public/" + first + "/" + second);
    if (answer.status !== 200) {
      $("title").textContent = "Nothing to book here";
      say("");
      warn(refusal(answer, "This booking link does not lead to anything that can be booked. Ask the host for a new link."));
      return;
    }
    const event = answer.body;
    state.event = event;
    document.title = "Book: " + event.title;
    $("title").textContent = event.title;
    $("duration").textContent = durationText(event.duration);
    $("host-zone").textContent = event.timezone;
    if (event.location) $("location").textContent = event.location;
    else {
      $("location-term").remove();
      $("location").remove();
    }
    $("description").textContent = event.description || "";
    show("details", true);
    show("booking-view", true);
    fillZones();
    $("back").addEventListener("click", () => {
      show("form", false);
      show("booking-view", true);
      focus("times-heading");
    });
    $("form").addEventListener("submit", (event) => {
      event.preventDefault();
      book();
    });
    await loadWeek();
  }

  async function book() {
    if (state.busy || !state.chosen) return;
    const name = $("name").value.trim();
    const email = $("email").value.trim();
    const note = $("note").value.trim();
    const missing = [];
    $("name").removeAttribute("aria-invalid");
    $("email").removeAttribute("aria-invalid");
    if (!name) missing.push("name");
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) missing.push("email");
    if (missing.length) {
      for (const id of missing) $(id).setAttribute("aria-invalid", "true");
      warn(missing.includes("name") ? "Please give your name." : "Please give an email address like ana@example.com.");
      focus(missing[0]);
      return;
    }
    const body = { start_time: state.chosen.iso, invitee: { name, email, timezone: state.zone } };
    if (note) body.note = note;
    state.busy = true;
    $("confirm").disabled = true;
    say("Booking…");
    const answer = await call("POST", "/public/" + first + "/" + second + "/bookings", body);
    state.busy = false;
    $("confirm").disabled = false;
    say("");
    if (answer.status === 201) {
      confirmed(answer.body);
      return;
    }
    warn(refusal(answer, "This event type can no longer be booked."));
    if (answer.status === 409) {
      show("form", false);
      show("booking-view", true);
      await loadWeek();
      focus("alert");
    }
  }

  function confirmed(booking) {
    const start = Date.parse(booking.start_time);
    const end = Date.parse(booking.end_time);
    warn("");
    show("form", false);
    show("booking-view", false);
    $("done-yours").textContent = rangeText(start, end, state.zone);
    $("done-host").textContent = rangeText(start, end, state.event.timezone);
    const token = encodeURIComponent(booking.manage_token || "");
    $("calendar-link").href = api("/manage/" + token + "/calendar.ics");
    const manage = api("/book/manage/" + token);
    $("manage-link").href = manage;
    show("done", true);
    focus("done-heading");
  }

  // ---- The manage page ------------------------------------------------------------------------
  async function startManaging() {
    document.title = "Your booking";
    $("title").textContent = "Your booking";
    const answer = await call("GET", "/manage/" + second);
    if (answer.status !== 200) {
      $("title").textContent = "No booking here";
      say("");
      warn(refusal(answer, "This link does not lead to a booking. Check that you copied all of it."));
      return;
    }
    const invitee = answer.body.invitee || {};
    if (invitee.timezone && zoneKnown(invitee.timezone)) state.zone = invitee.timezone;
    $("m-calendar").href = api("/manage/" + second + "/calendar.ics");
    showBooking(answer.body);
    show("manage-view", true);
    fillZones();
    $("reschedule").addEventListener("click", () => {
      show("booking-view", true);
      show("move", false);
      loadWeek().then(() => focus("times-heading"));
    });
    $("move-back").addEventListener("click", () => {
      show("move", false);
      show("booking-view", true);
      focus("times-heading");
    });
    $("move-confirm").addEventListener("click", reschedule);
    $("cancel-form").addEventListener("submit", (event) => {
      event.preventDefault();
      cancel();
    });
    say("");
  }

  function zoneKnown(zone) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      return true;
    } catch (_) {
      return false;
    }
  }

  function showBooking(booking) {
    state.booking = booking;
    const start = Date.parse(booking.start_time);
    const end = Date.parse(booking.end_time);
    const cancelled = booking.status === "cancelled";
    $("m-status").textContent = cancelled ? "Cancelled" : "Confirmed";
    $("m-event").textContent = booking.event_type + " with " + (booking.hosts || []).join(", ");
    $("m-when").textContent = rangeText(start, end, state.zone);
    $("m-name").textContent = (booking.invitee || {}).name || "";
    $("m-email").textContent = (booking.invitee || {}).email || "";
    show("m-note-term", Boolean(booking.note));
    show("m-note", Boolean(booking.note));
    $("m-note").textContent = booking.note || "";
    show("m-actions", !cancelled);
    show("cancel-form", !cancelled);
    if (cancelled) {
      show("booking-view", false);
      show("move", false);
    }
  }

  async function reschedule() {
    if (state.busy || !state.chosen) return;
    state.busy = true;
    $("move-confirm").disabled = true;
    say("Moving your booking…");
    const answer = await call("POST", "/manage/" + second + "/reschedule", { start_time: state.chosen.iso });
    state.busy = false;
    $("move-confirm").disabled = false;
    say("");
    show("move", false);
    if (answer.status === 200) {
      warn("");
      showBooking(answer.body);
      say("Your booking is moved to " + rangeText(Date.parse(answer.body.start_time), Date.parse(answer.body.end_time), state.zone) + ".");
      focus("manage-heading");
      return;
    }
    warn(refusal(answer, "This link does not lead to a booking any more."));
    if (answer.status === 409 && answer.body.reason !== "cancelled") {
      show("booking-view", true);
      await loadWeek();
    }
  }

  async function cancel() {
    if (state.busy) return;
    const reason = $("reason").value.trim();
    state.busy = true;
    $("cancel").disabled = true;
    say("Cancelling…");
    const answer = await call("POST", "/manage/" + second + "/cancel", reason ? { reason } : {});
    state.busy = false;
    $("cancel").disabled = false;
    say("");
    if (answer.status === 200) {
      warn("");
      showBooking(answer.body);
      say("Your booking is cancelled.");
      focus("manage-heading");
      return;
    }
    warn(refusal(answer, "This link does not lead to a booking any more."));
  }

  function start() {
    state.zone = browserZone();
    // An alert gets focus after a refusal, so a keyboard user lands on the sentence.
    $("alert").tabIndex = -1;
    (managing ? startManaging() : startBooking()).catch(() => {
      warn("Something went wrong showing this page. Please reload it.");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
