// The access log (leads and admins): who of the staff opened which ticket, hour by hour
// (GET staff-access/), and who revealed a customer's personal data, when and why
// (GET staff-access/reveals/); filtered by staff member and ticket, newest first, a page at a time.
// The filters live in the URL (?agent=&ticket=), so a ticket's drawer links here.

import { api, describeError, pagePath, results } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { fmt, formatDateTime } from "/static/portal/i18n.js";
import { deskTicketUrl, referenceData, setupShortcutsDialog } from "./common.js";

const el = (id) => document.getElementById(id);
const form = el("access-form");
const agentSelect = el("f-agent");
const ticketInput = el("f-ticket");
const alertBox = el("access-alert");
const REFERENCE = /^[A-Za-z0-9-]{1,40}$/;
const FIELD_LABELS = { email: () => gettext("e-mail"), exchange_uid: () => gettext("exchange UID"), addresses: () => gettext("addresses") };

function fieldLabel(field) {
  return FIELD_LABELS[field] ? FIELD_LABELS[field]() : field;
}

function staffName(person) {
  return person ? person.name || person.username : gettext("System");
}

function ticketCell(ticket) {
  return h(
    "td",
    { class: "col-ticket" },
    h("a", { class: "mono", href: deskTicketUrl(ticket.reference), text: ticket.reference }),
    h("span", { class: "access-subject", text: ticket.subject }),
  );
}

function timeCell(iso) {
  return h("td", { class: "col-time" }, h("time", { datetime: iso, text: formatDateTime(iso) }));
}

function revealRow(row) {
  return h(
    "tr",
    {},
    timeCell(row.at),
    h("td", { text: staffName(row.actor) }),
    ticketCell(row.ticket),
    h("td", { text: row.fields.map(fieldLabel).join(", ") }),
    h("td", { class: "col-reason", text: row.reason }),
  );
}

function openRow(row) {
  return h(
    "tr",
    {},
    timeCell(row.hour),
    h("td", { text: staffName(row.staff) }),
    ticketCell(row.ticket),
    h("td", { class: "num", text: String(row.count) }),
    timeCell(row.last_at),
  );
}

/** One list: its first page for the filters, then "Show more" follows `next`. Each cell carries
 * its column's heading (data-label), which a phone shows beside it when the rows become cards. */
function list({ path, rows, empty, more, draw: drawRow }) {
  const headings = [...rows.closest("table").querySelectorAll("thead th")].map((th) => th.textContent.trim());
  const draw = (item) => {
    const tr = drawRow(item);
    [...tr.children].forEach((cell, index) => {
      cell.dataset.label = headings[index] || "";
    });
    return tr;
  };
  let next = null;
  let seq = 0;
  async function load(query, append) {
    const mine = (seq += 1);
    more.disabled = true;
    let data;
    try {
      data = append ? await api.get(pagePath(next)) : await api.get(path, { ...query, page_size: 50 });
    } catch (error) {
      if (mine === seq) replaceChildren(alertBox, h("div", { class: "alert alert-error", text: describeError(error) }));
      more.disabled = false;
      return;
    }
    if (mine !== seq) return;
    const items = results(data);
    if (append) rows.append(...items.map(draw));
    else replaceChildren(rows, ...items.map(draw));
    empty.hidden = rows.children.length > 0;
    next = data && data.next;
    more.hidden = !next;
    more.disabled = false;
  }
  more.addEventListener("click", () => load(null, true));
  return load;
}

const loadReveals = list({ path: "staff-access/reveals/", rows: el("reveals-rows"), empty: el("reveals-empty"), more: el("reveals-more"), draw: revealRow });
const loadOpens = list({ path: "staff-access/", rows: el("opens-rows"), empty: el("opens-empty"), more: el("opens-more"), draw: openRow });

function filtersFromUrl() {
  const params = new URLSearchParams(window.location.search);
  return { agent: params.get("agent") || "", ticket: params.get("ticket") || "" };
}

function show(filters, { push = false } = {}) {
  replaceChildren(alertBox);
  agentSelect.value = filters.agent;
  ticketInput.value = filters.ticket;
  if (push) {
    const params = new URLSearchParams();
    if (filters.agent) params.set("agent", filters.agent);
    if (filters.ticket) params.set("ticket", filters.ticket);
    const qs = params.toString();
    window.history.pushState(null, "", qs ? `?${qs}` : window.location.pathname);
  }
  return Promise.all([loadReveals(filters, false), loadOpens(filters, false)]);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const ticket = ticketInput.value.trim().toUpperCase();
  const message = el("f-ticket-msg");
  if (ticket && !REFERENCE.test(ticket)) {
    message.textContent = gettext("A reference has letters, digits and dashes only.");
    message.className = "field-message is-error";
    ticketInput.focus();
    return;
  }
  message.textContent = "";
  message.className = "field-message";
  show({ agent: agentSelect.value, ticket }, { push: true });
});
el("f-clear").addEventListener("click", () => show({ agent: "", ticket: "" }, { push: true }));
window.addEventListener("popstate", () => show(filtersFromUrl()));

async function start() {
  setupShortcutsDialog();
  const agents = results(await referenceData("agents", "agents/").catch(() => []));
  agentSelect.append(
    ...agents.map((agent) => h("option", { value: String(agent.id), text: fmt(gettext("%(name)s (%(username)s)"), { name: agent.name, username: agent.username }) })),
  );
  await show(filtersFromUrl());
  el("access-page").dataset.ready = "true";
}

start();
