// The complaints register and report (leads and admins): GET complaints/ (a page at a time,
// filtered by receipt dates, status and breaches) and GET reports/complaints/ (by quarter, topic
// and channel; average time per step; breaches per deadline; outcomes), with the CSV link.

import { api, describeError, pagePath } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { fmt, formatDateTime, formatDuration } from "/static/portal/i18n.js";
import { deskTicketUrl } from "./common.js";

const el = (id) => document.getElementById(id);
const form = el("complaints-form");
const alertBox = el("complaints-alert");
const PRESETS = {
  eu_mica: () => gettext("EU MiCA"),
  uk_disp: () => gettext("UK DISP"),
  uk_disp_payments: () => gettext("UK DISP (payments)"),
  nydfs: () => gettext("NYDFS"),
};
const STATUSES = { open: () => gettext("Open"), resolved: () => gettext("Resolved"), withdrawn: () => gettext("Withdrawn") };
const OUTCOMES = { upheld: () => gettext("Upheld"), partly_upheld: () => gettext("Partly upheld"), rejected: () => gettext("Rejected") };
const DEADLINES = {
  acknowledgement: () => gettext("Acknowledgement"),
  final_response: () => gettext("Final response"),
  extended_final_response: () => gettext("Final response (extended)"),
  update: () => gettext("Progress update"),
};
const STEPS = {
  acknowledgement: () => gettext("Received → acknowledgement"),
  holding_reply: () => gettext("Received → holding reply"),
  final_response: () => gettext("Received → final response"),
};
const label = (table, key) => (table[key] ? table[key]() : key || "—");
let next = null;

function query() {
  const data = new FormData(form);
  const q = {};
  if (data.get("since")) q.since = `${data.get("since")}T00:00:00Z`;
  if (data.get("until")) q.until = `${data.get("until")}T00:00:00Z`;
  for (const name of ["status", "breached"]) if (data.get(name)) q[name] = data.get(name);
  return q;
}

// On a phone each row is a card: the cells carry their column's name (access.css shows it).
function labelled(tbody, row) {
  const heads = [...tbody.closest("table").querySelectorAll("thead th")].map((th) => th.textContent);
  [...row.children].forEach((cell, index) => cell.setAttribute("data-label", heads[index] || ""));
  return row;
}

function registerRow(row) {
  return labelled(el("register-rows"), h(
    "tr",
    {},
    h("td", { class: "col-ticket" }, h("a", { class: "mono", href: deskTicketUrl(row.reference), text: row.reference }), h("span", { class: "access-subject", text: row.subject })),
    h("td", { class: "col-time" }, h("time", { datetime: row.received_at, text: formatDateTime(row.received_at) })),
    h("td", { text: label(PRESETS, row.preset) }),
    h("td", { class: "col-time" }, row.decision_due_at ? h("time", { datetime: row.decision_due_at, text: formatDateTime(row.decision_due_at) }) : "—"),
    h("td", { text: label(STATUSES, row.status) }),
    h("td", { text: row.outcome ? label(OUTCOMES, row.outcome) : "—" }),
    h("td", { class: row.breaches.length ? "text-danger" : "", text: row.breaches.length ? row.breaches.map((b) => label(DEADLINES, b)).join(", ") : gettext("None") }),
  ));
}

async function loadRegister(append = false) {
  try {
    const data = append ? await api.get(pagePath(next)) : await api.get("complaints/", { ...query(), page_size: 50 });
    const rows = data.results.map(registerRow);
    if (append) el("register-rows").append(...rows);
    else replaceChildren(el("register-rows"), ...rows);
    el("register-empty").hidden = el("register-rows").children.length > 0;
    next = data.next;
    el("register-more").hidden = !next;
  } catch (error) {
    replaceChildren(alertBox, h("div", { class: "alert alert-error", text: describeError(error) }));
  }
}

function figure(term, value) {
  return [h("dt", { text: term }), h("dd", { text: value })];
}

async function loadReport() {
  const q = query();
  const csv = new URLSearchParams({ ...q, format: "csv" });
  el("csv-link").href = `/api/v1/reports/complaints/?${csv}`;
  try {
    const report = await api.get("reports/complaints/", { since: q.since, until: q.until });
    replaceChildren(
      el("quarter-rows"),
      ...report.by_quarter.map((row) =>
        labelled(el("quarter-rows"), h("tr", {}, h("td", { text: row.quarter }), h("td", { text: row.category }), h("td", { text: row.channel }), h("td", { class: "num", text: String(row.complaints) }), h("td", { class: "num", text: String(row.resolved) }))),
      ),
    );
    const figures = [];
    for (const [step, value] of Object.entries(report.average_seconds)) {
      figures.push(...figure(label(STEPS, step), value.seconds === null ? "—" : formatDuration(value.seconds * 1000)));
    }
    for (const [kind, value] of Object.entries(report.deadlines)) {
      figures.push(...figure(fmt(gettext("%(deadline)s breached"), { deadline: label(DEADLINES, kind) }), `${value.breached} / ${value.total}`));
    }
    for (const [outcome, count] of Object.entries(report.outcomes)) figures.push(...figure(label(OUTCOMES, outcome), String(count)));
    replaceChildren(el("report-figures"), ...figures);
  } catch (error) {
    replaceChildren(alertBox, h("div", { class: "alert alert-error", text: describeError(error) }));
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  replaceChildren(alertBox);
  loadRegister();
  loadReport();
});
el("register-more").addEventListener("click", () => loadRegister(true));
loadRegister();
loadReport();
