// The reports page (leads and admins): GET reports/sla/ for a period, a scope and a breakdown,
// drawn as key figures, SVG charts drawn here (no library) and a table; the CSV links ask the same
// endpoint with format=csv, so the downloaded numbers are the API's. The period, scope and
// breakdown live in the URL.

import { api, describeError } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { LANG, fmt, formatDateTime, formatDurationShort, formatNumber } from "/static/portal/i18n.js";
import { channelLabel, metricLabel, referenceData, setupShortcutsDialog } from "./common.js";

const API_PATH = "reports/sla/";
const SVG = "http://www.w3.org/2000/svg";
const SCOPE = ["team", "category", "priority", "channel", "agent"];
const CHANNELS = ["web", "api", "email", "guest"];
const METRICS = ["first_response", "next_response", "periodic_update", "resolution"];
const GROUP_TITLES = {
  team: () => gettext("By team"),
  category: () => gettext("By category"),
  priority: () => gettext("By priority"),
  channel: () => gettext("By channel"),
  agent: () => gettext("By agent"),
};
const GROUP_COLUMN = {
  team: () => gettext("Team"),
  category: () => gettext("Category"),
  priority: () => gettext("Priority"),
  channel: () => gettext("Channel"),
  agent: () => gettext("Agent"),
};

const form = document.getElementById("report-form");
const body = document.getElementById("report-body");
const alertBox = document.getElementById("report-alert");
let loadSeq = 0;

// --- dates and the URL ----------------------------------------------------------------------------

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function defaultPeriod() {
  const until = new Date();
  const since = new Date(until.getTime() - 29 * 86400000);
  return { since: isoDay(since), until: isoDay(until) };
}

/** The form's choices as the API's query: whole UTC days, `until` the end of the last day. */
function apiQuery(choices) {
  const query = {
    since: `${choices.since}T00:00:00Z`,
    until: new Date(Date.parse(`${choices.until}T00:00:00Z`) + 86400000).toISOString(),
    group_by: choices.group_by,
  };
  for (const name of SCOPE) if (choices[name]) query[name] = choices[name];
  return query;
}

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  const fallback = defaultPeriod();
  const choices = {
    since: params.get("since") || fallback.since,
    until: params.get("until") || fallback.until,
    group_by: params.get("group_by") || "team",
  };
  for (const name of SCOPE) choices[name] = params.get(name) || "";
  return choices;
}

function writeUrl(choices) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(choices)) if (value) params.set(name, value);
  history.replaceState(null, "", `${window.location.pathname}?${params}`);
}

function formChoices() {
  const data = new FormData(form);
  const choices = {};
  for (const name of ["since", "until", "group_by", ...SCOPE]) choices[name] = String(data.get(name) || "");
  return choices;
}

function fillForm(choices) {
  for (const [name, value] of Object.entries(choices)) {
    const input = form.elements.namedItem(name);
    if (input) input.value = value;
  }
}

function csvHref(choices, table) {
  const params = new URLSearchParams({ ...apiQuery(choices), format: "csv", table });
  return `/api/v1/${API_PATH}?${params}`;
}

// --- numbers ----------------------------------------------------------------------------------------

function minutesText(minutes) {
  return minutes === null || minutes === undefined ? "—" : formatDurationShort(minutes * 60000);
}

function percentText(value) {
  return value === null || value === undefined
    ? "—"
    : new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 1 }).format(value / 100);
}

function averageText(value) {
  return value === null || value === undefined
    ? "—"
    : new Intl.NumberFormat(LANG, { maximumFractionDigits: 2, minimumFractionDigits: 1 }).format(value);
}

function complianceClass(value) {
  if (value === null || value === undefined) return "is-none";
  if (value >= 95) return "is-good";
  if (value >= 85) return "is-warn";
  return "is-bad";
}

// --- SVG helpers ------------------------------------------------------------------------------------

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== null && value !== undefined) el.setAttribute(key, value);
  for (const child of children.flat()) if (child) el.append(child);
  return el;
}

function svgText(x, y, text, attrs = {}) {
  const el = svg("text", { x, y, ...attrs });
  el.textContent = text;
  return el;
}

function tooltip(text) {
  const el = svg("title");
  el.textContent = text;
  return el;
}

function emptyChart(container, text) {
  replaceChildren(container, h("p", { class: "chart-empty", text }));
}

/** Horizontal bars: [{label, value (0-100 or a count), text, title, cls}] on a 0..max scale. */
function barChart(container, rows, { max = 100, label }) {
  if (!rows.length) return emptyChart(container, gettext("No data for this period."));
  const rowHeight = 30;
  const labelWidth = 150;
  const width = 520;
  const barWidth = width - labelWidth - 70;
  const height = rows.length * rowHeight + 8;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": label,
    class: "bar-chart",
    preserveAspectRatio: "xMinYMin meet",
  });
  rows.forEach((row, index) => {
    const y = index * rowHeight + 4;
    const length = max > 0 && row.value !== null ? Math.max(2, (row.value / max) * barWidth) : 0;
    chart.append(
      svg(
        "g",
        { class: `bar ${row.cls || ""}` },
        tooltip(row.title || `${row.label}: ${row.text}`),
        svgText(labelWidth - 8, y + 18, row.label, { "text-anchor": "end", class: "bar-label" }),
        svg("rect", { x: labelWidth, y: y + 5, width: barWidth, height: 16, rx: 3, class: "bar-track" }),
        svg("rect", { x: labelWidth, y: y + 5, width: length, height: 16, rx: 3, class: "bar-fill" }),
        svgText(labelWidth + barWidth + 8, y + 18, row.text, { class: "bar-value" }),
      ),
    );
  });
  replaceChildren(container, chart);
}

/** A line of open tickets per day, with a y axis, date ticks and a dot per counted day. */
function lineChart(container, points, { label }) {
  if (!points.length) return emptyChart(container, gettext("No count of open tickets in this period yet."));
  const width = 520;
  const height = 200;
  const pad = { left: 44, right: 26, top: 12, bottom: 28 };
  const max = Math.max(1, ...points.map((p) => p.open));
  const top = niceCeiling(max);
  const times = points.map((p) => Date.parse(`${p.date}T00:00:00Z`));
  const first = times[0];
  const span = Math.max(1, times[times.length - 1] - first);
  const x = (t) => pad.left + ((t - first) / span) * (width - pad.left - pad.right) * (points.length > 1 ? 1 : 0.5);
  const y = (v) => pad.top + (1 - v / top) * (height - pad.top - pad.bottom);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "line-chart" });
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const value = Math.round(top * fraction);
    chart.append(
      svg("line", { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value), class: "grid" }),
      svgText(pad.left - 6, y(value) + 4, formatNumber(value), { "text-anchor": "end", class: "axis" }),
    );
  }
  const dateFormat = new Intl.DateTimeFormat(LANG, { month: "short", day: "numeric", timeZone: "UTC" });
  const ticks = Math.min(points.length, 6);
  for (let index = 0; index < ticks; index += 1) {
    const point = points[Math.round((index * (points.length - 1)) / Math.max(1, ticks - 1))];
    const t = Date.parse(`${point.date}T00:00:00Z`);
    chart.append(svgText(x(t), height - 8, dateFormat.format(t), { "text-anchor": "middle", class: "axis" }));
  }
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(times[i]).toFixed(1)},${y(p.open).toFixed(1)}`).join(" ");
  chart.append(svg("path", { d: path, class: "line" }));
  points.forEach((point, index) => {
    chart.append(
      svg(
        "circle",
        { cx: x(times[index]), cy: y(point.open), r: 3.5, class: "dot" },
        tooltip(fmt(gettext("%(date)s: %(count)s open"), { date: dateFormat.format(times[index]), count: formatNumber(point.open) })),
      ),
    );
  });
  replaceChildren(container, chart);
}

function niceCeiling(value) {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

// --- drawing the report -----------------------------------------------------------------------------

function kpi(label, value, detail) {
  return h("div", { class: "kpi" }, h("span", { class: "kpi-label", text: label }), h("strong", { class: "kpi-value", text: value }), detail ? h("span", { class: "kpi-detail muted small", text: detail }) : null);
}

function drawKpis(report) {
  const first = report.first_response_minutes;
  const resolution = report.resolution_minutes;
  const satisfaction = report.satisfaction;
  replaceChildren(
    document.getElementById("kpis"),
    kpi(gettext("Tickets created"), formatNumber(report.tickets_created)),
    kpi(gettext("First response, median"), minutesText(first.p50), fmt(gettext("p90 %(p90)s · %(count)s answered"), { p90: minutesText(first.p90), count: formatNumber(first.count) })),
    kpi(gettext("Resolution, median"), minutesText(resolution.p50), fmt(gettext("p90 %(p90)s · %(count)s solved"), { p90: minutesText(resolution.p90), count: formatNumber(resolution.count) })),
    kpi(gettext("First response met"), percentText(report.compliance.first_response.compliance_percent), fmt(gettext("%(breached)s of %(clocks)s breached"), { breached: formatNumber(report.compliance.first_response.breached), clocks: formatNumber(report.compliance.first_response.clocks) })),
    kpi(
      gettext("Open and breached"),
      formatNumber(report.open_breached_now),
      report.open_breached_counted_at ? fmt(gettext("at the last count, %(time)s"), { time: formatDateTime(report.open_breached_counted_at) }) : gettext("not counted yet"),
    ),
    kpi(gettext("Satisfaction"), satisfaction.responses ? `${averageText(satisfaction.average)} / 5` : "—", fmt(gettext("%(count)s ratings"), { count: formatNumber(satisfaction.responses) })),
  );
}

function drawCompliance(report) {
  const rows = METRICS.filter((metric) => report.compliance[metric].clocks > 0).map((metric) => {
    const figures = report.compliance[metric];
    return {
      label: metricLabel(metric),
      value: figures.compliance_percent,
      text: percentText(figures.compliance_percent),
      title: fmt(gettext("%(metric)s: %(met)s met, %(breached)s breached of %(clocks)s"), {
        metric: metricLabel(metric),
        met: formatNumber(figures.met),
        breached: formatNumber(figures.breached),
        clocks: formatNumber(figures.clocks),
      }),
      cls: complianceClass(figures.compliance_percent),
    };
  });
  barChart(document.getElementById("chart-compliance"), rows, { label: gettext("SLA compliance by metric") });
}

function drawSatisfaction(report) {
  const distribution = report.satisfaction.distribution;
  const most = Math.max(0, ...Object.values(distribution));
  const rows = report.satisfaction.responses
    ? ["5", "4", "3", "2", "1"].map((score) => ({
        label: "★".repeat(Number(score)),
        value: distribution[score],
        text: formatNumber(distribution[score]),
        title: fmt(gettext("%(score)s stars: %(count)s"), { score, count: formatNumber(distribution[score]) }),
        cls: Number(score) >= 4 ? "is-good" : Number(score) === 3 ? "is-warn" : "is-bad",
      }))
    : [];
  barChart(document.getElementById("chart-csat"), rows, { max: most, label: gettext("Customer satisfaction") });
}

function groupLabel(groupBy, row) {
  if (groupBy === "channel") return channelLabel(row.key);
  if (groupBy === "agent" && !row.key) return gettext("Nobody");
  return row.label || row.key;
}

function drawGroups(report) {
  const groupBy = report.group_by;
  const groups = report.groups || [];
  document.getElementById("group-chart-title").textContent = fmt(gettext("First response met, %(breakdown)s"), { breakdown: GROUP_TITLES[groupBy]().toLowerCase() });
  document.getElementById("groups-title").textContent = GROUP_TITLES[groupBy]();
  document.getElementById("groups-col").textContent = GROUP_COLUMN[groupBy]();
  const chartRows = groups
    .filter((row) => row.compliance.first_response.clocks > 0)
    .map((row) => ({
      label: groupLabel(groupBy, row),
      value: row.compliance.first_response.compliance_percent,
      text: percentText(row.compliance.first_response.compliance_percent),
      cls: complianceClass(row.compliance.first_response.compliance_percent),
    }));
  barChart(document.getElementById("chart-groups"), chartRows, { label: document.getElementById("group-chart-title").textContent });
  const cell = (text, cls = "num") => h("td", { class: cls, text });
  const complianceCell = (figures) =>
    h("td", { class: `num ${complianceClass(figures.compliance_percent)}` }, h("span", { class: "pct", text: percentText(figures.compliance_percent) }));
  replaceChildren(
    document.getElementById("groups-rows"),
    ...groups.map((row) =>
      h(
        "tr",
        {},
        h("th", { scope: "row", text: groupLabel(groupBy, row) }),
        cell(formatNumber(row.tickets_created)),
        cell(minutesText(row.first_response_minutes.p50)),
        cell(minutesText(row.first_response_minutes.p90)),
        cell(minutesText(row.resolution_minutes.p50)),
        cell(minutesText(row.resolution_minutes.p90)),
        complianceCell(row.compliance.first_response),
        complianceCell(row.compliance.resolution),
        cell(formatNumber(row.breaches)),
        cell(row.satisfaction.responses ? averageText(row.satisfaction.average) : "—"),
      ),
    ),
  );
  document.getElementById("groups-empty").hidden = groups.length > 0;
}

function drawPeriod(choices, report) {
  const dateFormat = new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeZone: "UTC" });
  const since = dateFormat.format(Date.parse(`${choices.since}T00:00:00Z`));
  const until = dateFormat.format(Date.parse(`${choices.until}T00:00:00Z`));
  const scope = Object.entries(report.scope || {}).map(([name, value]) => `${GROUP_COLUMN[name]()}: ${name === "channel" ? channelLabel(value) : value}`);
  document.getElementById("report-period-text").textContent = [fmt(gettext("%(since)s – %(until)s (UTC days)"), { since, until }), ...scope].join(" · ");
}

async function load(choices) {
  const seq = ++loadSeq;
  body.setAttribute("aria-busy", "true");
  body.classList.add("is-loading");
  replaceChildren(alertBox);
  writeUrl(choices);
  document.getElementById("csv-figures").href = csvHref(choices, "groups");
  document.getElementById("csv-backlog").href = csvHref(choices, "backlog");
  try {
    const report = await api.get(API_PATH, apiQuery(choices));
    if (seq !== loadSeq) return;
    drawPeriod(choices, report);
    drawKpis(report);
    drawCompliance(report);
    lineChart(document.getElementById("chart-backlog"), report.backlog, { label: gettext("Open tickets per day") });
    drawSatisfaction(report);
    drawGroups(report);
  } catch (error) {
    if (seq !== loadSeq) return;
    replaceChildren(alertBox, h("div", { class: "alert alert-error", text: describeError(error) }));
  } finally {
    if (seq === loadSeq) {
      body.setAttribute("aria-busy", "false");
      body.classList.remove("is-loading");
    }
  }
}

// --- the form ---------------------------------------------------------------------------------------

function options(select, items) {
  select.append(...items.map(([value, text]) => h("option", { value, text })));
}

async function fillChoices() {
  const [teams, categories, agents] = await Promise.all([
    referenceData("teams", "teams/"),
    referenceData("categories", "categories/"),
    referenceData("agents", "agents/"),
  ]);
  options(document.getElementById("r-team"), teams.map((team) => [team.code, team.name]));
  options(document.getElementById("r-category"), categories.map((category) => [category.code, category.name]));
  options(document.getElementById("r-channel"), CHANNELS.map((channel) => [channel, channelLabel(channel)]));
  options(
    document.getElementById("r-agent"),
    (agents.results || agents).map((agent) => [agent.username, agent.name || agent.display_name || agent.username]),
  );
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const choices = formChoices();
  if (choices.since && choices.until && choices.since > choices.until) {
    replaceChildren(alertBox, h("div", { class: "alert alert-error", text: gettext("The start date must be on or before the end date.") }));
    return;
  }
  load(choices);
});

form.querySelector("#r-group").addEventListener("change", () => load(formChoices()));

for (const button of form.querySelectorAll("[data-days]")) {
  button.addEventListener("click", () => {
    const until = new Date();
    const since = new Date(until.getTime() - (Number(button.dataset.days) - 1) * 86400000);
    form.elements.namedItem("since").value = isoDay(since);
    form.elements.namedItem("until").value = isoDay(until);
    load(formChoices());
  });
}

setupShortcutsDialog();
const initial = readUrl();
fillChoices()
  .catch(() => null)
  .finally(() => {
    fillForm(initial);
    load(initial);
  });
