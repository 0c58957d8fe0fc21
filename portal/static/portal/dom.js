// Small DOM helpers and shared components. Everything the server sends is inserted as text
// (textContent), never as HTML — the one exception is an article's sanitised body_html.

import {
  formatDateTime,
  formatPromise,
  formatRelative,
  incidentStatusLabel,
  priorityLabel,
  statusLabel,
} from "./i18n.js";

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * h("a", {class: "x", href, dataset: {id: 1}, on: {click}}, "text", child)
 * Attributes with value false/null/undefined are skipped; true sets an empty attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "on") for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    else if (key in el && typeof value !== "string" && key !== "style") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replaceChildren(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

const ICONS = {
  search: ["M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14z", "M20 20l-3.5-3.5"],
  doc: ["M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z", "M14 3v5h5", "M9 13h6", "M9 17h6"],
  chat: ["M21 12a8 8 0 0 1-11.8 7L4 20l1.1-4.4A8 8 0 1 1 21 12z"],
  shield: ["M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6l8-3z", "M9 12l2 2 4-4"],
  shieldAlert: ["M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6l8-3z", "M12 8v5", "M12 16.5v.5"],
  alert: ["M10.3 4.2L2.6 18a2 2 0 0 0 1.7 3h15.4a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0z", "M12 9v4", "M12 17h.01"],
  info: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M12 11v5", "M12 8h.01"],
  check: ["M5 12.5l4.5 4.5L19 7.5"],
  checkCircle: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M8 12.5l3 3 5-6"],
  xCircle: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M9 9l6 6", "M15 9l-6 6"],
  x: ["M6 6l12 12", "M18 6L6 18"],
  clock: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M12 7v5l3 2"],
  upload: ["M12 16V4", "M7 9l5-5 5 5", "M4 16v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3"],
  file: ["M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z", "M14 3v5h5"],
  paperclip: ["M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9"],
  copy: ["M9 9h10v12H9z", "M5 15V5a2 2 0 0 1 2-2h8"],
  download: ["M12 4v12", "M7 11l5 5 5-5", "M4 20h16"],
  printer: ["M7 8V3h10v5", "M7 17H5a2 2 0 0 1-2-2v-5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2v5a2 2 0 0 1-2 2h-2", "M7 14h10v7H7z"],
  lock: ["M6 11h12v10H6z", "M8 11V7a4 4 0 0 1 8 0v4"],
  user: ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4 21a8 8 0 0 1 16 0"],
  arrowRight: ["M5 12h14", "M13 6l6 6-6 6"],
  external: ["M14 4h6v6", "M20 4l-9 9", "M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"],
  deposit: ["M12 3v12", "M7 10l5 5 5-5", "M4 21h16"],
  withdraw: ["M12 21V9", "M7 14l5-5 5 5", "M4 3h16"],
  key: ["M15 7a4 4 0 1 1-3.2 6.4L4 21", "M6.5 18.5l2 2", "M9 16l2 2"],
  idCard: ["M3 5h18v14H3z", "M8 10.5a1.5 1.5 0 1 0 0-.01", "M6 15.5c.5-1.2 1.3-2 2-2s1.5.8 2 2", "M13 10h5", "M13 14h4"],
  chart: ["M4 20V10", "M10 20V4", "M16 20v-7", "M22 20H2"],
  code: ["M8 8l-5 4 5 4", "M16 8l5 4-5 4", "M14 4l-4 16"],
  percent: ["M19 5L5 19", "M7 9a2 2 0 1 0 0-4 2 2 0 0 0 0 4z", "M17 19a2 2 0 1 0 0-4 2 2 0 0 0 0 4z"],
  help: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6", "M12 17h.01"],
  star: ["M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8L12 16.9l-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z"],
  refresh: ["M20 11a8 8 0 0 0-14.8-4M4 4v4h4", "M4 13a8 8 0 0 0 14.8 4M20 20v-4h-4"],
  mail: ["M3 6h18v12H3z", "M3 7l9 6 9-6"],
};

export function icon(name, size = 18, { filled = false } = {}) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("fill", filled ? "currentColor" : "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const d of ICONS[name] || ICONS.help) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

const CATEGORY_ICONS = {
  deposit_missing: "deposit",
  withdrawal_delayed: "withdraw",
  account_locked: "key",
  kyc_verification: "idCard",
  trade_dispute: "chart",
  account_compromised: "shieldAlert",
  api: "code",
  api_issue: "code",
  fees: "percent",
  other: "help",
};

export function categoryIcon(code) {
  return icon(CATEGORY_ICONS[code] || "help", 22);
}

export function debounce(fn, wait = 300) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
  debounced.cancel = () => clearTimeout(timer);
  debounced.flush = (...args) => {
    clearTimeout(timer);
    fn(...args);
  };
  return debounced;
}

/** Put a message in a live region so screen readers read it, even when the text repeats. */
export function announce(region, message) {
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

let toastTimer = null;
/** A short confirmation ("Copied") that is also announced. */
export function toast(message) {
  let el = document.getElementById("portal-toast");
  if (!el) {
    el = h("div", { id: "portal-toast", class: "toast", role: "status", "aria-live": "polite" });
    document.body.append(el);
  }
  el.hidden = false;
  el.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 2500);
}

export function statusPill(status) {
  return h("span", { class: `pill pill-status-${status}`, text: statusLabel(status) });
}

export function priorityPill(priority) {
  return h("span", {
    class: `pill pill-plain pill-priority-${priority}`,
    text: interpolate(gettext("Priority: %(priority)s"), { priority: priorityLabel(priority) }, true),
  });
}

/** <time> showing "3 hours ago", with the full local time as its tooltip. */
export function relativeTime(iso) {
  return h("time", { datetime: iso, title: formatDateTime(iso), text: formatRelative(iso) });
}

export function absoluteTime(iso) {
  return h("time", { datetime: iso, text: formatDateTime(iso) });
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h("textarea", { class: "visually-hidden", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

export function copyButton(text, label) {
  const button = h(
    "button",
    { type: "button", class: "icon-button", "aria-label": label },
    icon("copy", 15),
    h("span", { text: gettext("Copy") }),
  );
  button.addEventListener("click", async () => {
    const ok = await copyText(text);
    toast(ok ? gettext("Copied to clipboard") : gettext("Couldn't copy. Select the text and copy it yourself."));
  });
  return button;
}

/** A link to a help article: title and a one-line excerpt. */
export function articleLink(article, { newTab = false } = {}) {
  const excerpt = article.excerpt || article.summary || article.snippet || "";
  const link = h(
    "a",
    { href: `/articles/${encodeURIComponent(article.slug)}/` },
    icon("doc", 18),
    h(
      "span",
      {},
      h("span", { class: "result-title", text: article.title }),
      excerpt ? h("span", { class: "result-excerpt", text: excerpt }) : null,
    ),
  );
  if (newTab) {
    link.target = "_blank";
    link.rel = "noopener";
    link.append(h("span", { class: "visually-hidden", text: gettext("(opens in a new tab)") }));
  }
  return link;
}

export function skeletons(count = 3) {
  return Array.from({ length: count }, () => h("div", { class: "skeleton", "aria-hidden": "true" }));
}

export function spinner() {
  return h("span", { class: "spinner", "aria-hidden": "true" });
}

/** Disable a button and show a spinner while `work` runs. */
export async function busy(button, work, busyText) {
  const original = Array.from(button.childNodes);
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  replaceChildren(button, spinner(), busyText || "");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    replaceChildren(button, ...original);
  }
}

export function errorAlert(message, { title } = {}) {
  return h(
    "div",
    { class: "alert alert-error", role: "alert" },
    icon("alert", 20),
    h("div", {}, title ? h("p", { class: "alert-title", text: title }) : null, h("p", { text: message })),
  );
}

/** A known problem (incident) with its status, public message and ETA. */
export function incidentCard(incident, { inline = false, note = null } = {}) {
  const message = incident.public_message || incident.message || incident.description || "";
  const eta = incident.eta || incident.expected_resolution_at || null;
  const updated = incident.updated_at || incident.started_at || null;
  const meta = [];
  if (eta) {
    meta.push(
      h("strong", { text: interpolate(gettext("Expected fixed by %(time)s"), { time: formatPromise(eta) }, true) }),
    );
  }
  if (updated) {
    if (meta.length) meta.push(" · ");
    meta.push(interpolate(gettext("Updated %(when)s"), { when: formatRelative(updated) }, true));
  }
  return h(
    "div",
    { class: `incident${inline ? " incident-inline" : ""}` },
    h("span", { class: "incident-icon" }, icon("alert", 22)),
    h(
      "p",
      { class: "incident-title" },
      h("span", { text: incident.title || gettext("Known issue") }),
      incident.status ? h("span", { class: "pill pill-plain pill-incident", text: incident.status_label || incidentStatusLabel(incident.status) }) : null,
    ),
    message ? h("p", { class: "incident-message", text: message }) : null,
    meta.length ? h("p", { class: "incident-meta" }, ...meta) : null,
    note ? h("p", { class: "incident-note", text: note }) : null,
  );
}
