// What the desk's pages share: agent-facing labels, the ticking SLA countdowns, the keyboard
// layer, conditional GETs (ETag) and uploads with a visibility flag. Builds on the portal's
// api.js, dom.js and i18n.js; every string goes through the JavaScript catalogue (jsi18n).

import { ApiError, api, getCookie } from "/static/portal/api.js";
import { h } from "/static/portal/dom.js";
import { fmt, formatDateTime, formatDuration, formatDurationShort, priorityLabel } from "/static/portal/i18n.js";

export { priorityLabel };

// --- Labels (agent-facing: the customer's "Waiting for your reply" is "Pending customer" here) ---

export function statusLabel(status) {
  const labels = {
    new: gettext("New"),
    open: gettext("Open"),
    pending_customer: gettext("Pending customer"),
    on_hold: gettext("On hold"),
    solved: gettext("Solved"),
    closed: gettext("Closed"),
  };
  return labels[status] || status || "";
}

export function tierLabel(tier) {
  const labels = { standard: gettext("Standard"), vip: gettext("VIP"), institutional: gettext("Institutional") };
  return labels[tier] || tier || "";
}

export function waitingOnLabel(waitingOn) {
  if (waitingOn === "customer") return gettext("Waiting on customer");
  if (waitingOn === "agent") return gettext("Waiting on us");
  return "";
}

export function metricLabel(metric) {
  const labels = {
    first_response: gettext("First response"),
    next_response: gettext("Next response"),
    periodic_update: gettext("Periodic update"),
    resolution: gettext("Resolution"),
    // A formal complaint's statutory deadlines, as their breach events name them (sla.complaints).
    complaint_acknowledgement: gettext("Complaint acknowledgement"),
    complaint_final_response: gettext("Complaint final response"),
    complaint_extended_final_response: gettext("Complaint final response (extended)"),
    complaint_update: gettext("Complaint progress update"),
  };
  return labels[metric] || metric || "";
}

export function clockStateLabel(state) {
  const labels = {
    running: gettext("Running"),
    paused: gettext("Paused"),
    fulfilled: gettext("Met"),
    stopped: gettext("Stopped"),
  };
  return labels[state] || state || "";
}

export function slaStateLabel(state) {
  const labels = {
    on_track: gettext("On track"),
    warning: gettext("Warning"),
    breached: gettext("Breached"),
    paused: gettext("Paused"),
    none: gettext("No SLA"),
  };
  return labels[state] || "";
}

export function channelLabel(channel) {
  const labels = { web: gettext("Web"), api: gettext("API"), email: gettext("E-mail"), guest: gettext("Guest form") };
  return labels[channel] || channel || "";
}

export function languageLabel(code) {
  const labels = { en: gettext("English"), "zh-hans": gettext("Simplified Chinese") };
  return labels[code] || code || "";
}

export function statusPill(status) {
  return h("span", { class: `pill status-${status}`, text: statusLabel(status) });
}

export function priorityPill(priority) {
  return h("span", { class: `pill prio prio-${priority}`, text: priorityLabel(priority) });
}

// --- SLA countdowns: one timer ticks every element marked with data-due ---

function pad(number) {
  return String(number).padStart(2, "0");
}

/** "3:07:09" (or "2d 03:07") — compact, the same width in every language. */
function clockFace(ms) {
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return fmt(gettext("%(days)sd %(time)s"), { days, time: `${pad(hours)}:${pad(minutes)}` });
  return `${hours}:${pad(minutes)}:${pad(seconds)}`;
}

/** Text and state for a due time: "1h 02m 09s" on time, "12m overdue" after (compact: "1:02:09", "−0:12:00"). */
export function countdownText(dueIso, now = Date.now(), { compact = false } = {}) {
  const due = Date.parse(dueIso);
  if (Number.isNaN(due)) return { text: "", overdue: false };
  const left = due - now;
  if (compact) return { text: left >= 0 ? clockFace(left) : `\u2212${clockFace(-left)}`, overdue: left < 0 };
  if (left >= 0) return { text: formatDuration(left), overdue: false };
  return { text: fmt(gettext("%(time)s overdue"), { time: formatDurationShort(-left) }), overdue: true };
}

/** A <span> that ticks down to `due` (or says paused / no SLA), coloured by the server's state. */
export function countdown(dueIso, state, { compact = false } = {}) {
  const el = h("span", { class: "countdown" });
  if (compact) el.dataset.compact = "true";
  setCountdown(el, dueIso, state);
  return el;
}

export function setCountdown(el, dueIso, state) {
  const effective = state || (dueIso ? "on_track" : "none");
  el.className = `countdown sla-${effective}`;
  if (effective === "paused" || !dueIso) {
    delete el.dataset.due;
    el.textContent = effective === "paused" ? gettext("Paused") : gettext("No SLA");
    el.title = slaStateLabel(effective);
    return;
  }
  el.dataset.due = dueIso;
  tickOne(el, Date.now());
}

function tickOne(el, now) {
  const { text, overdue } = countdownText(el.dataset.due, now, { compact: el.dataset.compact === "true" });
  if (el.textContent !== text) el.textContent = text;
  if (el.classList.contains("is-overdue") !== overdue) {
    el.classList.toggle("is-overdue", overdue);
  }
  const title = overdue
    ? fmt(gettext("Overdue since %(time)s"), { time: formatDateTime(el.dataset.due) })
    : fmt(gettext("Due %(time)s"), { time: formatDateTime(el.dataset.due) });
  if (el.title !== title) el.title = title;
}

export function startTicking(root = document) {
  const tick = () => {
    const now = Date.now();
    for (const el of root.querySelectorAll(".countdown[data-due]")) tickOne(el, now);
  };
  tick();
  // Aligned to the next whole second so every countdown changes together.
  window.setTimeout(() => {
    tick();
    window.setInterval(tick, 1000);
  }, 1000 - (Date.now() % 1000));
}

// --- Network: a GET that can answer 304, an upload with the `internal` flag ---

function csrfToken() {
  return getCookie("csrftoken") || "";
}

/**
 * GET with If-None-Match. Resolves {status: 200, etag, data} or {status: 304, etag}; errors are
 * ApiError like api.js's. `no-store`: the browser must neither answer from nor revalidate its
 * own cache, so a 304 reaches us only because we asked for it.
 */
export async function conditionalGet(path, { etag = null, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (etag) headers["If-None-Match"] = etag;
  let response;
  try {
    response = await fetch(path, { headers, credentials: "same-origin", cache: "no-store", signal });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, null);
  }
  const newEtag = response.headers.get("ETag");
  if (response.status === 304) return { status: 304, etag: newEtag || etag };
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return { status: response.status, etag: newEtag, data };
}

export async function uploadFile(path, file, { internal = false } = {}) {
  const body = new FormData();
  body.append("file", file, file.name);
  if (internal) body.append("internal", "true");
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      body,
    });
  } catch {
    throw new ApiError(0, null);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// --- Keyboard ---

/** True while the user types: letter shortcuts must not fire. */
export function isTyping(event) {
  const el = event.target;
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  return !["checkbox", "radio", "button", "submit", "reset", "file"].includes(el.type);
}

/** A plain key press with no modifier a shortcut could collide with (browser, OS). */
export function plainKey(event) {
  return !event.ctrlKey && !event.metaKey && !event.altKey;
}

export function setupShortcutsDialog() {
  const dialog = document.getElementById("shortcuts");
  const button = document.getElementById("shortcuts-button");
  if (!dialog) return () => {};
  const open = () => {
    if (!dialog.open) dialog.showModal();
  };
  button?.addEventListener("click", open);
  dialog.querySelector("[data-close]")?.addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // the backdrop
  });
  return open;
}

/** Is a modal dialog open? Then the page's shortcuts wait. */
export function dialogOpen() {
  return Boolean(document.querySelector("dialog[open]"));
}

let toastTimer = null;
export function toast(message) {
  const el = document.getElementById("desk-toast");
  if (!el) return;
  el.hidden = false;
  el.textContent = message;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => {
    el.hidden = true;
  }, 3000);
}

// --- The queue the agent came from (Esc and the back link return to it, filters kept) ---

const QUEUE_KEY = "desk:queue-url";

export function rememberQueueUrl() {
  try {
    window.sessionStorage.setItem(QUEUE_KEY, window.location.pathname + window.location.search);
  } catch {
    /* storage off: the plain /desk/ is fine */
  }
}

export function queueUrl() {
  try {
    const saved = window.sessionStorage.getItem(QUEUE_KEY);
    if (saved && saved.startsWith("/desk/")) return saved;
  } catch {
    /* storage off */
  }
  return "/desk/";
}

export function deskTicketUrl(reference) {
  return `/desk/tickets/${encodeURIComponent(reference)}/`;
}

/** "1.5 BTC" with the number in the page's locale (amounts come as strings: keep every digit). */
export function amountText(ticket) {
  const asset = ticket.asset || "";
  const amount = ticket.amount;
  if (amount === null || amount === undefined || amount === "") return asset;
  return asset ? `${amount} ${asset}` : String(amount);
}

/** The read-only reference data the page was rendered with (desk/bootstrap.py), by name: the same
 * as the API call it replaces. Missing (an older page, a test page): the API is asked. */
export function referenceData(name, path) {
  const script = document.getElementById("desk-reference-data");
  if (script) {
    try {
      const data = JSON.parse(script.textContent);
      if (data && name in data) return Promise.resolve(data[name]);
    } catch {
      /* fall back to the API */
    }
  }
  return api.get(path);
}
