// The ticket workspace: one timeline (public replies, internal notes, system events), a composer for
// replies and notes with macros and attachments, the ticket's controls, its SLA clocks, the
// customer panel, the structured fields with explorer links, and the audit trail in a drawer.

import { ApiError, api, describeError, pagePath, results } from "/static/portal/api.js";
import { h, icon, replaceChildren } from "/static/portal/dom.js";
import { fmt, formatBytes, formatDateTime, formatRelative } from "/static/portal/i18n.js";
import {
  amountText,
  channelLabel,
  clockStateLabel,
  countdown,
  deskTicketUrl,
  dialogOpen,
  isTyping,
  languageLabel,
  metricLabel,
  plainKey,
  priorityLabel,
  priorityPill,
  queueUrl,
  referenceData,
  setupShortcutsDialog,
  startTicking,
  statusLabel,
  statusPill,
  tierLabel,
  toast,
  uploadFile,
} from "./common.js";
import { letterLabel, outcomeLabel, setupComplaint } from "./complaint.js";
import { mergedSections, setupMerge, setupSplit } from "./merge.js";
import { setupIncidentCard } from "./ticket-incident.js";
import { showStaleChanges, startPresence } from "./presence.js";

const root = document.getElementById("ticket-root");
const reference = root.dataset.reference;
const maxBytes = Number(root.dataset.attachmentMaxBytes) || 10 * 1024 * 1024;
const userId = document.body.dataset.userId;
const base = `tickets/${encodeURIComponent(reference)}/`;
const REFRESH_MS = 15000;

const el = (id) => document.getElementById(id);
const timeline = el("timeline");
const pageAlert = el("page-alert");
const composer = el("composer");
const body = el("composer-body");
const composerMsg = el("composer-msg");
const sendButton = el("send-button");
const macroSelect = el("macro-select");
const claimButton = el("claim-button");
const releaseButton = el("release-button");
const attachInput = el("attach-input");
const attachInternal = el("attach-internal");
const auditDialog = el("audit");
// Merge and split (merge.js): after a merge this ticket is closed and points at the one kept.
const mergeUi = setupMerge({
  base,
  getTicket: () => state.ticket,
  onMerged: async () => applyResult(await api.get(base).catch(() => null)),
});
const splitUi = setupSplit({ base });
// The formal complaint panel and the incident card (complaint.js, ticket-incident.js).
const complaintUi = setupComplaint({ base, reference, getTicket: () => state.ticket, onTicket: (ticket) => applyResult(ticket) });
const incidentUi = setupIncidentCard({ base, reference, getTicket: () => state.ticket, onTicket: (ticket) => applyResult(ticket) });

const state = {
  ticket: null,
  events: [],
  macros: [],
  teams: [],
  agents: [],
  categories: [],
  networks: {},
  mode: "reply",
  macroActions: null, // {status?, priority?, team?} from the inserted macro's preview
  busy: false,
  gone: false,
  // The version (latest event id) the agent is working from: a reply or change is sent with it,
  // and the server answers 409 "stale" with what others changed since (presence.js shows it).
  baseVersion: null,
};

// --- Loading ---

async function allEvents() {
  const events = [];
  let path = `${base}events/`;
  let query = { page_size: 100 };
  for (let page = 0; page < 20 && path; page += 1) {
    const data = await api.get(path, query);
    events.push(...results(data));
    path = data && data.next ? pagePath(data.next) : null;
    query = undefined;
  }
  return events;
}

async function loadTicket() {
  const [ticket, events] = await Promise.all([api.get(base), allEvents().catch(() => state.events)]);
  state.ticket = ticket;
  state.events = events;
}

async function loadReferenceData() {
  const [macros, teams, agents, categories, networks] = await Promise.allSettled([
    referenceData("macros", "macros/"),
    referenceData("teams", "teams/"),
    referenceData("agents", "agents/"),
    referenceData("categories", "categories/"),
    referenceData("networks", "networks/"),
  ]);
  const value = (outcome) => (outcome.status === "fulfilled" ? results(outcome.value) : []);
  state.macros = value(macros);
  state.teams = value(teams);
  state.agents = value(agents);
  state.categories = value(categories);
  for (const network of value(networks)) state.networks[network.code] = network;
}

// --- Rendering ---

function personName(person) {
  if (!person) return gettext("System");
  return person.name || person.username || "";
}

function agentName(id) {
  if (id === null || id === undefined) return "";
  if (String(id) === userId) return gettext("you");
  const agent = state.agents.find((a) => String(a.id) === String(id));
  return agent ? agent.name || agent.username : `#${id}`;
}

function actorName(actor) {
  if (!actor) return gettext("System");
  const agent = state.agents.find((a) => String(a.id) === String(actor.id));
  return agent ? agent.name || agent.username : actor.username;
}

function teamName(code) {
  const team = state.teams.find((t) => t.code === code);
  return team ? team.name : code || "";
}

function categoryName(code) {
  const category = state.categories.find((c) => c.code === code);
  return category ? category.name : code || "";
}

function renderHeader() {
  const t = state.ticket;
  document.title = `${t.reference} · ${t.subject}`;
  el("t-subject").textContent = t.subject;
  replaceChildren(
    el("t-pills"),
    statusPill(t.status),
    priorityPill(t.priority),
    t.is_complaint ? h("span", { class: "pill pill-complaint", text: gettext("Formal complaint") }) : null,
  );
  const mine = t.assignee && String(t.assignee.id) === userId;
  const closed = t.status === "closed";
  claimButton.hidden = mine || closed;
  claimButton.textContent = t.assignee ? fmt(gettext("Claim (held by %(name)s)"), { name: personName(t.assignee) }) : gettext("Claim");
  releaseButton.hidden = !mine;
}

function eventText(event) {
  const d = event.data || {};
  switch (event.kind) {
    case "created":
      return gettext("Ticket created");
    case "status_changed":
      return fmt(gettext("Status: %(from)s → %(to)s"), { from: statusLabel(d.from), to: statusLabel(d.to) });
    case "reopened":
      return gettext("Reopened");
    case "assigned":
      if (d.routed) return fmt(gettext("Assigned to %(name)s by automatic routing"), { name: agentName(d.assignee) });
      return d.claimed
        ? fmt(gettext("Claimed by %(name)s"), { name: event.actor ? actorName(event.actor) : agentName(d.assignee) })
        : fmt(gettext("Assigned to %(name)s"), { name: agentName(d.assignee) });
    case "unassigned":
      return d.reason === "escalation" ? gettext("Unassigned by an escalation") : gettext("Unassigned");
    case "priority_changed":
      return fmt(gettext("Priority: %(from)s → %(to)s"), { from: priorityLabel(d.from), to: priorityLabel(d.to) });
    case "team_changed":
      return fmt(gettext("Team: %(from)s → %(to)s"), { from: teamName(d.from), to: teamName(d.to) });
    case "category_changed":
      return fmt(gettext("Category: %(from)s → %(to)s"), { from: categoryName(d.from), to: categoryName(d.to) });
    case "complaint_changed":
      // The complaint's letters are recorded under the same kind (sla.complaints.services._record).
      if (d.holding_reply) return fmt(gettext("Holding reply sent: new date %(time)s"), { time: formatDateTime(d.new_date) });
      if (d.final_response) return fmt(gettext("%(letter)s sent: %(outcome)s"), { letter: letterLabel(d.letter), outcome: outcomeLabel(d.outcome) });
      return d.is_complaint ? gettext("Marked as a formal complaint") : gettext("No longer a formal complaint");
    case "incident_linked":
      return gettext("Linked to an incident");
    case "incident_unlinked":
      return gettext("Unlinked from an incident");
    case "first_response":
      return gettext("First response sent");
    case "rated":
      return fmt(gettext("Customer rated %(rating)s of 5"), { rating: d.rating });
    case "macro_applied":
      return fmt(gettext("Macro applied: %(name)s"), { name: d.name || "" });
    case "sla_warning":
      return fmt(gettext("SLA warning: %(metric)s at %(percent)s"), { metric: metricLabel(d.metric), percent: `${d.percent}%` });
    case "sla_breached":
      return fmt(gettext("SLA breached: %(metric)s"), { metric: metricLabel(d.metric) });
    case "escalated":
      return fmt(gettext("Escalated: %(metric)s at %(percent)s"), { metric: metricLabel(d.metric), percent: `${d.percent}%` });
    case "message_added":
      return d.internal ? gettext("Internal note added") : gettext("Message added");
    case "attachment_added":
      return fmt(gettext("File added: %(name)s"), { name: d.name || "" });
    case "guest_link_issued":
      return gettext("Private link sent to the customer");
    case "guest_link_revoked":
      return gettext("Private links revoked");
    case "requester_changed":
      return gettext("Requester changed");
    case "merged_into":
      return fmt(gettext("Merged into %(reference)s"), { reference: d.into || "" });
    case "merged_from":
      return fmt(gettext("%(reference)s merged into this ticket"), { reference: d.duplicate || "" });
    case "split_to":
      return fmt(gettext("A message was split into %(reference)s"), { reference: d.to || "" });
    case "split_from":
      return fmt(gettext("Split from %(reference)s"), { reference: d.source || "" });
    case "pii_revealed":
      return fmt(gettext("Customer data revealed: %(fields)s"), { fields: (d.fields || []).map(revealFieldLabel).join(", ") });
    case "email_received":
      // tickets.inbound: how an e-mail reached this ticket (the From line proves nothing).
      if (d.suggested_merge) {
        return fmt(gettext("Opened by e-mail naming %(reference)s in its subject, without its reply address: suggested merge"), {
          reference: d.suggested_merge,
        });
      }
      if (!d.matched_by) return gettext("Opened by e-mail");
      if (d.from_matches_requester === false) {
        return d.matched_by === "token"
          ? gettext("Reply by e-mail to this ticket's reply address, from another address than the customer's")
          : gettext("Reply by e-mail to the desk's e-mail, from another address than the customer's");
      }
      return d.matched_by === "token"
        ? gettext("Reply by e-mail to this ticket's reply address")
        : gettext("Reply by e-mail to the desk's e-mail");
    default:
      return event.kind;
  }
}

// Events the timeline shows between messages (messages and files are drawn by themselves).
const TIMELINE_EVENTS = new Set([
  "status_changed",
  "reopened",
  "assigned",
  "unassigned",
  "priority_changed",
  "team_changed",
  "category_changed",
  "complaint_changed",
  "incident_unlinked", // the link itself shows as the system message that told the customer
  "macro_applied",
  "sla_warning",
  "sla_breached",
  "escalated",
  "rated",
  "merged_into",
  "merged_from",
  "split_to",
  "split_from",
  "email_received",
]);

function messageItem(message, { splittable = true } = {}) {
  const kind = message.kind || (message.internal ? "internal" : "public");
  const role = message.author ? message.author.role : "system";
  if (kind === "internal") {
    return h(
      "li",
      { class: "item msg msg-internal", dataset: { id: `m${message.id}` } },
      h(
        "div",
        { class: "msg-head" },
        h("span", { class: "note-label" }, icon("lock", 14), h("span", { text: gettext("Internal note") })),
        h("strong", { text: personName(message.author) }),
        h("time", { datetime: message.created_at, title: formatDateTime(message.created_at), text: formatRelative(message.created_at) }),
      ),
      h("div", { class: "msg-body", text: message.body }),
    );
  }
  if (kind === "system") {
    return h(
      "li",
      { class: "item msg msg-system", dataset: { id: `m${message.id}` } },
      h(
        "div",
        { class: "msg-head" },
        h("span", { class: "system-label", text: gettext("System message") }),
        h("time", { datetime: message.created_at, title: formatDateTime(message.created_at), text: formatRelative(message.created_at) }),
      ),
      h("div", { class: "msg-body", text: message.body }),
    );
  }
  const who = role === "customer" ? gettext("Customer") : gettext("Public reply");
  return h(
    "li",
    { class: `item msg msg-public msg-${role}`, dataset: { id: `m${message.id}` } },
    h(
      "div",
      { class: "msg-head" },
      h("span", { class: "avatar", "aria-hidden": "true", text: (personName(message.author) || "?").slice(0, 1).toUpperCase() }),
      h("strong", { text: personName(message.author) }),
      h("span", { class: `role role-${role}`, text: who }),
      h("time", { datetime: message.created_at, title: formatDateTime(message.created_at), text: formatRelative(message.created_at) }),
      // A customer's message about another matter becomes a ticket of its own (tickets.merge).
      splittable && role === "customer" && !state.ticket.merged_into
        ? h("button", { type: "button", class: "link-button msg-split", text: gettext("Split into a new ticket"), on: { click: () => splitUi.open(message) } })
        : null,
    ),
    h("div", { class: "msg-body", text: message.body }),
  );
}

function attachmentItem(file) {
  return h(
    "li",
    { class: `item file${file.internal ? " file-internal" : ""}`, dataset: { id: `a${file.id}` } },
    icon(file.internal ? "lock" : "paperclip", 15),
    h("a", { href: file.url, text: file.name }),
    h("span", { class: "muted", text: formatBytes(file.size) }),
    file.internal ? h("span", { class: "pill pill-internal", text: gettext("Internal file") }) : null,
    h("span", { class: "sha mono", title: file.sha256, text: `SHA-256 ${String(file.sha256 || "").slice(0, 12)}…` }),
    h("time", { datetime: file.created_at, title: formatDateTime(file.created_at), text: formatRelative(file.created_at) }),
  );
}

function eventItem(event) {
  const alarming = ["sla_breached", "escalated"].includes(event.kind);
  const warning = event.kind === "sla_warning";
  return h(
    "li",
    { class: `item event${alarming ? " event-alarm" : ""}${warning ? " event-warning" : ""}`, dataset: { id: `e${event.id}` } },
    h("span", { class: "event-dot", "aria-hidden": "true" }),
    h("span", { text: eventText(event) }),
    event.actor && !(event.kind === "assigned" && event.data && event.data.claimed)
      ? h("span", { class: "muted", text: fmt(gettext("by %(name)s"), { name: actorName(event.actor) }) })
      : null,
    h("time", { datetime: event.at, title: formatDateTime(event.at), text: formatRelative(event.at) }),
  );
}

function renderTimeline() {
  const t = state.ticket;
  const items = [
    ...(t.messages || []).map((m) => ({ at: m.created_at, order: 1, node: () => messageItem(m) })),
    ...(t.attachments || []).map((a) => ({ at: a.created_at, order: 2, node: () => attachmentItem(a) })),
    ...state.events.filter((e) => TIMELINE_EVENTS.has(e.kind)).map((e) => ({ at: e.at, order: 3, node: () => eventItem(e) })),
    ...mergedSections(t, { messageItem: (m) => messageItem(m, { splittable: false }), attachmentItem }),
  ];
  items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.order - b.order);
  const atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40;
  const before = timeline.children.length;
  replaceChildren(timeline, ...items.map((item) => item.node()));
  if (before && timeline.children.length > before && atBottom) timeline.lastElementChild?.scrollIntoView({ block: "nearest" });
}

function option(value, text) {
  return h("option", { value, text });
}

function setSelect(select, items, value) {
  if (document.activeElement === select && select.options.length) return; // never under the user's hand
  replaceChildren(select, ...items.map(([v, text]) => option(v, text)));
  select.value = value ?? "";
  select.dataset.value = select.value;
}

function renderControls() {
  const t = state.ticket;
  const statusSelect = el("p-status");
  if (document.activeElement !== statusSelect) statusSelect.value = t.status;
  statusSelect.dataset.value = t.status;
  const prioritySelect = el("p-priority");
  if (document.activeElement !== prioritySelect) prioritySelect.value = t.priority;
  prioritySelect.dataset.value = t.priority;

  const teams = state.teams.length ? state.teams.map((team) => [team.code, team.name]) : [[t.team, t.team_name || t.team]];
  if (t.team && !teams.some(([code]) => code === t.team)) teams.unshift([t.team, t.team_name || t.team]);
  setSelect(el("p-team"), teams, t.team);

  const categories = state.categories.map((c) => [c.code, c.name]);
  if (t.category && !categories.some(([code]) => code === t.category)) categories.unshift([t.category, t.category_name || t.category]);
  setSelect(el("p-category"), categories, t.category);

  const agents = [["", gettext("Unassigned")], [String(userId), fmt(gettext("%(name)s (you)"), { name: document.body.dataset.userName })]];
  for (const agent of state.agents) if (String(agent.id) !== userId) agents.push([String(agent.id), agent.name || agent.username]);
  if (t.assignee && !agents.some(([id]) => id === String(t.assignee.id))) agents.push([String(t.assignee.id), personName(t.assignee)]);
  setSelect(el("p-assignee"), agents, t.assignee ? String(t.assignee.id) : "");
}

function clockItem(clock) {
  let stateLine;
  let timer = null;
  if (clock.state === "running") {
    timer = countdown(clock.due_at, clock.breached ? "breached" : "on_track");
    stateLine = clock.breached
      ? fmt(gettext("Breached at %(time)s"), { time: formatDateTime(clock.breached_at || clock.due_at) })
      : fmt(gettext("Due %(time)s"), { time: formatDateTime(clock.due_at) });
  } else if (clock.state === "paused") {
    timer = countdown(clock.due_at, "paused");
    stateLine = clock.paused_since
      ? fmt(gettext("Paused since %(time)s (waiting on the customer)"), { time: formatDateTime(clock.paused_since) })
      : gettext("Paused");
  } else if (clock.state === "fulfilled") {
    stateLine = clock.breached
      ? fmt(gettext("Met late, at %(time)s"), { time: formatDateTime(clock.fulfilled_at) })
      : fmt(gettext("Met at %(time)s"), { time: formatDateTime(clock.fulfilled_at) });
  } else {
    stateLine = clockStateLabel(clock.state);
  }
  const hours = Math.floor((clock.target_minutes || 0) / 60);
  const minutes = (clock.target_minutes || 0) % 60;
  let target = fmt(gettext("%(minutes)s min"), { minutes });
  if (hours && minutes) target = fmt(gettext("%(hours)s h %(minutes)s min"), { hours, minutes });
  else if (hours) target = fmt(gettext("%(hours)s h"), { hours });
  return h(
    "li",
    { class: `clock clock-${clock.state}${clock.breached ? " clock-breached" : ""}`, dataset: { metric: clock.metric } },
    h("div", { class: "clock-head" }, h("strong", { text: metricLabel(clock.metric) }), timer || h("span", { class: "clock-state", text: clockStateLabel(clock.state) })),
    h("p", { class: "clock-line", text: stateLine }),
    h(
      "p",
      { class: "clock-policy muted" },
      fmt(gettext("Target %(target)s · policy: %(policy)s"), { target, policy: clock.policy || gettext("default") }),
    ),
  );
}

function renderClocks() {
  const clocks = state.ticket.sla_clocks || [];
  replaceChildren(el("clocks"), ...(clocks.length ? clocks.map(clockItem) : [h("li", { class: "muted", text: gettext("No SLA clock on this ticket.") })]));
}

function renderCustomer() {
  const t = state.ticket;
  const c = t.customer || {};
  const r = t.requester || {};
  // The personal data is masked (tickets.privacy) until the agent reveals it with a reason.
  const shown = { email: c.email || r.email || "", exchange_uid: c.exchange_uid || "", addresses: c.addresses || [], ...(state.revealed || {}) };
  const masked = !state.revealed && (c.masked || r.masked);
  const personal = masked ? "masked" : state.revealed ? "revealed" : "";
  const rows = [
    [gettext("Name"), c.name || r.name || "", ""],
    [gettext("E-mail"), shown.email, personal],
    [gettext("Tier"), c.tier ? tierLabel(c.tier) : t.customer_tier ? tierLabel(t.customer_tier) : "", ""],
    [gettext("Language"), languageLabel(c.language || t.language), ""],
    [gettext("Exchange UID"), shown.exchange_uid, `mono ${personal}`],
  ];
  if (shown.addresses.length) rows.push([gettext("Addresses"), shown.addresses, `mono ${personal}`]);
  const others = c.other_tickets || [];
  replaceChildren(
    el("customer"),
    h(
      "dl",
      { class: "kv" },
      ...rows.map(([label, value, kind]) =>
        h(
          "div",
          {},
          h("dt", { text: label }),
          Array.isArray(value)
            ? h("dd", { class: kind.trim() }, ...value.map((line) => h("span", { class: "kv-line", text: line })))
            : h("dd", { class: kind.trim(), text: value || "—" }),
        ),
      ),
    ),
  );
  replaceChildren(
    el("customer-others"),
    h("h3", { class: "subhead", text: gettext("Other tickets") }),
    others.length
      ? h(
          "ul",
          { class: "other-tickets" },
          ...others.map((o) =>
            h(
              "li",
              {},
              h("a", { href: deskTicketUrl(o.reference) }, h("span", { class: "mono", text: o.reference }), h("span", { class: "other-subject", text: o.subject })),
              statusPill(o.status),
            ),
          ),
        )
      : h("p", { class: "muted small", text: gettext("No other tickets.") }),
  );
}

function explorerLink(template, key, value) {
  if (!template || !value) return null;
  const url = template.replace(`{${key}}`, encodeURIComponent(value));
  return h(
    "a",
    { class: "explorer", href: url, target: "_blank", rel: "noopener noreferrer" },
    h("span", { text: gettext("Explorer") }),
    icon("external", 13),
    h("span", { class: "visually-hidden", text: gettext("(opens in a new tab)") }),
  );
}

function renderFields() {
  const t = state.ticket;
  const network = state.networks[t.network];
  const explorer = network ? network.explorer || {} : {};
  const memoName = network && network.memo && network.memo.name ? network.memo.name : gettext("Memo / tag");
  const rows = [
    [gettext("Asset / amount"), amountText(t), null],
    [gettext("Network"), network ? network.name : t.network, null],
    [gettext("Transaction hash (TxID)"), t.txid, explorerLink(explorer.tx, "txid", t.txid)],
    [gettext("Address"), t.address, explorerLink(explorer.address, "address", t.address)],
    [memoName, t.memo, null],
    [gettext("Order ID"), t.order_id, null],
    [gettext("Channel"), channelLabel(t.channel), null],
    [gettext("Created"), formatDateTime(t.created_at), null],
  ].filter(([, value]) => value);
  replaceChildren(
    el("fields"),
    ...rows.map(([label, value, link]) =>
      h("div", {}, h("dt", { text: label }), h("dd", {}, h("span", { class: "mono value", text: value }), link)),
    ),
  );
}

function renderMacros() {
  const chosen = macroSelect.value;
  replaceChildren(macroSelect, option("", gettext("Macros…")), ...state.macros.map((m) => option(String(m.id), m.name)));
  macroSelect.value = chosen;
  updateMacroButtons();
}

function render() {
  mergeUi.render();
  renderHeader();
  renderTimeline();
  renderControls();
  renderClocks();
  complaintUi.render();
  incidentUi.render();
  renderCustomer();
  renderFields();
}

// --- Messages in words ---

function alertError(error, title) {
  replaceChildren(
    pageAlert,
    h(
      "div",
      { class: "alert alert-error" },
      icon("alert", 18),
      h("div", {}, h("strong", { text: title }), " ", h("span", { text: describeError(error) })),
      h("button", { type: "button", class: "btn btn-ghost btn-sm", text: gettext("Dismiss"), on: { click: () => replaceChildren(pageAlert) } }),
    ),
  );
}

function fieldError(error, field) {
  if (error instanceof ApiError && error.status === 400) {
    const { fields, general } = error.fieldErrors;
    return (fields[field] || [])[0] || general[0] || describeError(error);
  }
  return describeError(error);
}

function setMessage(target, text, kind = "error") {
  target.textContent = text || "";
  target.className = `field-message${text ? ` is-${kind}` : ""}`;
}

/** A write answered with the ticket: draw it, and reload the trail that the write extended. */
async function applyResult(ticket) {
  if (ticket && !ticket.messages && ticket.reference) {
    // The change moved it out of the caller's sight (another team).
    state.gone = true;
    replaceChildren(
      pageAlert,
      h("div", { class: "alert alert-info" }, icon("info", 18), h("span", { text: gettext("The ticket moved to a team you are not in: you can no longer see it.") })),
    );
    return;
  }
  if (ticket) state.ticket = ticket;
  try {
    state.events = await allEvents();
  } catch {
    /* the trail is redrawn on the next refresh */
  }
  render();
}

// --- Controls ---

for (const select of document.querySelectorAll(".props select")) {
  select.addEventListener("change", async () => {
    const field = select.dataset.field;
    const message = el(`p-${field}-msg`);
    const previous = select.dataset.value;
    setMessage(message, "");
    select.disabled = true;
    try {
      let ticket;
      if (field === "assignee") {
        ticket = await api.post(`${base}assign/`, { assignee: select.value === "" ? null : Number(select.value) });
      } else {
        const change = { [field]: select.value };
        try {
          ticket = await api.patch(base, { ...change, expected_version: state.ticket.version ?? null });
        } catch (error) {
          if (!isStale(error)) throw error;
          select.disabled = false;
          select.value = previous;
          setMessage(message, "");
          showStaleChanges(el("stale-box"), {
            changes: error.data.changes || [],
            describe: eventText,
            actorName,
            actionLabel: gettext("Change it anyway"),
            onAnyway: async () => {
              select.value = change[field];
              try {
                await applyResult(await api.patch(base, change));
                setMessage(message, gettext("Saved."), "ok");
              } catch (again) {
                select.value = previous;
                setMessage(message, fieldError(again, field));
              }
            },
            onReview: reviewChanges,
          });
          return;
        }
      }
      select.disabled = false;
      await applyResult(ticket);
      setMessage(message, gettext("Saved."), "ok");
      window.setTimeout(() => setMessage(message, ""), 2500);
    } catch (error) {
      select.disabled = false;
      select.value = previous;
      setMessage(message, fieldError(error, field));
    }
  });
}

async function claim() {
  if (claimButton.hidden) return;
  claimButton.disabled = true;
  replaceChildren(pageAlert);
  try {
    await applyResult(await api.post(`${base}claim/`));
    toast(gettext("You claimed this ticket."));
  } catch (error) {
    alertError(error, gettext("You could not claim this ticket."));
  } finally {
    claimButton.disabled = false;
  }
}

async function release() {
  releaseButton.disabled = true;
  replaceChildren(pageAlert);
  try {
    await applyResult(await api.post(`${base}assign/`, { assignee: null }));
    toast(gettext("You released this ticket."));
  } catch (error) {
    alertError(error, gettext("You could not release this ticket."));
  } finally {
    releaseButton.disabled = false;
  }
}

claimButton.addEventListener("click", claim);
releaseButton.addEventListener("click", release);

// --- Composer ---

const draftKey = () => `desk:draft:${reference}`;

function setMode(mode, { focus = false } = {}) {
  state.mode = mode;
  composer.dataset.mode = mode;
  for (const button of composer.querySelectorAll(".composer-mode [data-mode]")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
  }
  el("note-banner").hidden = mode !== "note";
  sendButton.textContent = mode === "note" ? gettext("Add internal note") : gettext("Send reply");
  el("composer-label").textContent = mode === "note" ? gettext("Internal note") : gettext("Public reply");
  body.placeholder = mode === "note" ? gettext("Only staff will see this note.") : gettext("Write to the customer…");
  attachInternal.checked = mode === "note";
  if (focus) body.focus();
}

for (const button of composer.querySelectorAll(".composer-mode [data-mode]")) {
  button.addEventListener("click", () => setMode(button.dataset.mode, { focus: true }));
}

function actionWords(actions) {
  const words = [];
  if (actions.status) words.push(fmt(gettext("status to %(status)s"), { status: statusLabel(actions.status) }));
  if (actions.priority) words.push(fmt(gettext("priority to %(priority)s"), { priority: priorityLabel(actions.priority) }));
  if (actions.team) words.push(fmt(gettext("team to %(team)s"), { team: teamName(actions.team) }));
  return words;
}

function renderMacroActions() {
  const box = el("composer-actions");
  const actions = state.macroActions;
  const words = actions ? actionWords(actions) : [];
  box.hidden = words.length === 0;
  if (!words.length) {
    replaceChildren(box);
    return;
  }
  replaceChildren(
    box,
    h("input", { type: "checkbox", id: "macro-actions-on", checked: true }),
    h("label", { for: "macro-actions-on", text: fmt(gettext("When sent, also set %(changes)s"), { changes: words.join(", ") }) }),
    h("button", {
      type: "button",
      class: "link-button",
      text: gettext("Remove"),
      on: {
        click: () => {
          state.macroActions = null;
          renderMacroActions();
        },
      },
    }),
  );
}

function updateMacroButtons() {
  const none = !macroSelect.value;
  el("macro-insert").disabled = none;
  el("macro-apply").disabled = none;
}
macroSelect.addEventListener("change", updateMacroButtons);

function chosenMacro() {
  return state.macros.find((m) => String(m.id) === macroSelect.value) || null;
}

function insertText(text) {
  const start = body.selectionStart ?? body.value.length;
  const end = body.selectionEnd ?? body.value.length;
  const before = body.value.slice(0, start);
  const glue = before && !before.endsWith("\n") ? "\n" : "";
  body.value = before + glue + text + body.value.slice(end);
  const caret = (before + glue + text).length;
  body.focus();
  body.setSelectionRange(caret, caret);
  saveDraft();
}

el("macro-insert").addEventListener("click", async () => {
  const macro = chosenMacro();
  if (!macro) return;
  setMessage(composerMsg, "");
  try {
    // The same preview the macros page uses (tickets.macros renders for apply too).
    const preview = await api.post("macros/preview/", { macro: macro.id, ticket: reference });
    if (macro.internal) setMode("note");
    insertText(preview.body || "");
    const actions = preview.actions || {};
    state.macroActions = Object.keys(actions).some((k) => actions[k]) ? actions : null;
    renderMacroActions();
  } catch (error) {
    setMessage(composerMsg, fmt(gettext("The macro could not be inserted: %(reason)s"), { reason: describeError(error) }));
  }
});

el("macro-apply").addEventListener("click", async () => {
  const macro = chosenMacro();
  if (!macro) return;
  setMessage(composerMsg, "");
  const button = el("macro-apply");
  button.disabled = true;
  try {
    await applyResult(await api.post(`${base}macros/${macro.id}/apply/`));
    toast(fmt(gettext("Macro applied: %(name)s"), { name: macro.name }));
    macroSelect.value = "";
  } catch (error) {
    setMessage(composerMsg, fmt(gettext("The macro was not applied: %(reason)s"), { reason: describeError(error) }));
  } finally {
    updateMacroButtons();
  }
});

function saveDraft() {
  try {
    if (body.value) window.sessionStorage.setItem(draftKey(), JSON.stringify({ mode: state.mode, text: body.value }));
    else window.sessionStorage.removeItem(draftKey());
  } catch {
    /* storage off */
  }
}

function restoreDraft() {
  try {
    const saved = JSON.parse(window.sessionStorage.getItem(draftKey()) || "null");
    if (saved && saved.text) {
      setMode(saved.mode === "note" ? "note" : "reply");
      body.value = saved.text;
    }
  } catch {
    /* nothing saved */
  }
}
body.addEventListener("input", () => {
  saveDraft();
  if (composerMsg.classList.contains("is-error")) setMessage(composerMsg, "");
});

function isStale(error) {
  return error instanceof ApiError && error.status === 409 && error.data && error.data.code === "stale";
}

/** Draw the ticket as it is now and work from this version (the draft stays). */
async function reviewChanges() {
  try {
    await loadTicket();
    render();
    state.baseVersion = state.ticket.version ?? null;
  } catch {
    /* shown on the next refresh */
  }
  timeline.lastElementChild?.scrollIntoView({ block: "nearest" });
  body.focus();
}

async function send({ force = false } = {}) {
  if (state.busy || state.gone) return;
  const text = body.value.trim();
  if (!text) {
    setMessage(composerMsg, gettext("Write something first."));
    body.focus();
    return;
  }
  const internal = state.mode === "note";
  const actions = state.macroActions && el("macro-actions-on")?.checked ? state.macroActions : null;
  state.busy = true;
  sendButton.disabled = true;
  setMessage(composerMsg, gettext("Sending…"), "pending");
  const precondition = !force && state.baseVersion !== null ? { expected_version: state.baseVersion } : {};
  try {
    await api.post(`${base}messages/`, { body: text, internal, ...precondition });
  } catch (error) {
    state.busy = false;
    sendButton.disabled = false;
    if (isStale(error)) {
      setMessage(composerMsg, "");
      showStaleChanges(el("stale-box"), {
        changes: error.data.changes || [],
        describe: eventText,
        actorName,
        actionLabel: internal ? gettext("Add the note anyway") : gettext("Send anyway"),
        onAnyway: () => send({ force: true }),
        onReview: reviewChanges,
      });
      return;
    }
    setMessage(composerMsg, fieldError(error, "body"));
    return;
  }
  body.value = "";
  saveDraft();
  state.macroActions = null;
  renderMacroActions();
  let ticket = null;
  let actionError = null;
  if (actions) {
    const changes = {};
    for (const key of ["status", "priority", "team"]) if (actions[key]) changes[key] = actions[key];
    try {
      ticket = await api.patch(base, changes);
    } catch (error) {
      actionError = error;
    }
  }
  try {
    await applyResult(ticket || (await api.get(base)));
  } catch {
    /* shown on the next refresh */
  }
  state.baseVersion = state.ticket.version ?? null;
  state.busy = false;
  sendButton.disabled = false;
  if (actionError) {
    setMessage(composerMsg, fmt(gettext("Sent, but the macro's changes were refused: %(reason)s"), { reason: fieldError(actionError, "status") }));
  } else {
    setMessage(composerMsg, internal ? gettext("Internal note added.") : gettext("Reply sent."), "ok");
    window.setTimeout(() => {
      if (composerMsg.classList.contains("is-ok")) setMessage(composerMsg, "");
    }, 3000);
  }
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});

// Attachments: uploaded as soon as they are picked, public or internal.
el("attach-label").addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    attachInput.click();
  }
});

attachInput.addEventListener("change", async () => {
  const files = Array.from(attachInput.files || []);
  attachInput.value = "";
  const list = el("pending-files");
  const internal = attachInternal.checked;
  let uploaded = 0;
  for (const file of files) {
    const row = h("li", {}, h("span", { text: file.name }), h("span", { class: "muted", text: gettext("Uploading…") }));
    list.append(row);
    if (file.size > maxBytes) {
      replaceChildren(row, h("span", { text: file.name }), h("span", { class: "is-error", text: fmt(gettext("Too large: at most %(size)s."), { size: formatBytes(maxBytes) }) }));
      continue;
    }
    try {
      await uploadFile(`/api/v1/${base}attachments/`, file, { internal });
      uploaded += 1;
      row.remove();
    } catch (error) {
      replaceChildren(row, h("span", { text: file.name }), h("span", { class: "is-error", text: fieldError(error, "file") }));
    }
  }
  if (uploaded) {
    toast(
      internal
        ? fmt(ngettext("%(count)s internal file added.", "%(count)s internal files added.", uploaded), { count: uploaded })
        : fmt(ngettext("%(count)s file added for the customer.", "%(count)s files added for the customer.", uploaded), { count: uploaded }),
    );
    await applyResult(await api.get(base).catch(() => null));
  }
});

// --- Audit trail ---

function detailText(event) {
  const data = event.data || {};
  const skip = new Set(["message_id", "step_id"]);
  return Object.entries(data)
    .filter(([key, value]) => !skip.has(key) && value !== null && value !== "" && typeof value !== "object")
    .map(([key, value]) => `${key}: ${value}`)
    .join(" · ");
}

async function openAudit() {
  const list = el("audit-list");
  auditDialog.showModal();
  try {
    state.events = await allEvents();
  } catch (error) {
    replaceChildren(list, h("li", {}, h("div", { class: "alert alert-error", text: describeError(error) })));
    return;
  }
  replaceChildren(
    list,
    ...state.events.map((event) =>
      h(
        "li",
        { class: `audit-${event.kind}` },
        h("time", { datetime: event.at, text: formatDateTime(event.at) }),
        h("strong", { text: eventText(event) }),
        h("span", { class: "muted", text: actorName(event.actor) }),
        detailText(event) ? h("span", { class: "audit-data mono", text: detailText(event) }) : null,
      ),
    ),
  );
}
el("audit-button").addEventListener("click", openAudit);
auditDialog.querySelector("[data-close]").addEventListener("click", () => auditDialog.close());

// --- Customer data: masked until revealed with a reason (tickets.privacy) ---

function revealFieldLabel(field) {
  const labels = { email: gettext("e-mail"), exchange_uid: gettext("exchange UID"), addresses: gettext("addresses") };
  return labels[field] || field;
}

const revealButton = el("reveal-button");
const revealHide = el("reveal-hide");
const revealForm = el("reveal-form");
const revealReason = el("reveal-reason");
const revealMsg = el("reveal-msg");
const revealNote = el("reveal-note");
const REASON_MIN = 10;

function showRevealForm(open) {
  revealForm.hidden = !open;
  revealButton.hidden = open || Boolean(state.revealed);
  revealButton.setAttribute("aria-expanded", String(open));
  if (open) revealReason.focus();
  else setMessage(revealMsg, "");
}

revealButton.addEventListener("click", () => showRevealForm(true));
el("reveal-cancel").addEventListener("click", () => {
  showRevealForm(false);
  revealButton.focus();
});
revealReason.addEventListener("input", () => setMessage(revealMsg, ""));
revealReason.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    event.preventDefault();
    event.stopPropagation();
    showRevealForm(false);
    revealButton.focus();
  }
});

revealForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = revealReason.value.trim();
  if (reason.length < REASON_MIN) {
    setMessage(revealMsg, fmt(gettext("Say why you need to see this (at least %(count)s characters)."), { count: REASON_MIN }));
    revealReason.focus();
    return;
  }
  const submit = el("reveal-submit");
  submit.disabled = true;
  try {
    state.revealed = await api.post(`${base}reveal/`, { reason });
    revealReason.value = "";
    showRevealForm(false);
    revealHide.hidden = false;
    revealNote.hidden = false;
    revealNote.textContent = gettext("Shown unmasked for this visit. Your reason is on the record.");
    renderCustomer();
    revealHide.focus();
  } catch (error) {
    setMessage(revealMsg, fieldError(error, "reason"));
  } finally {
    submit.disabled = false;
  }
});

revealHide.addEventListener("click", () => {
  state.revealed = null;
  revealHide.hidden = true;
  revealNote.hidden = true;
  revealButton.hidden = false;
  renderCustomer();
  revealButton.focus();
});

// --- Who opened this ticket (leads and admins) ---

const accessDialog = el("access");

function staffName(person) {
  return person ? person.name || person.username : gettext("System");
}

async function openAccess() {
  const body = el("access-body");
  accessDialog.showModal();
  replaceChildren(body, h("p", { class: "muted small", text: gettext("Loading…") }));
  let data;
  try {
    data = await api.get(`${base}access/`);
  } catch (error) {
    replaceChildren(body, h("div", { class: "alert alert-error", text: describeError(error) }));
    return;
  }
  const opens = data.opens || [];
  const reveals = data.reveals || [];
  replaceChildren(
    body,
    h("h3", { class: "subhead", text: gettext("Opened by") }),
    opens.length
      ? h(
          "ul",
          { class: "access-list" },
          ...opens.map((row) =>
            h(
              "li",
              {},
              h("strong", { text: staffName(row.staff) }),
              h(
                "span",
                { class: "muted small" },
                fmt(gettext("last %(last)s · first %(first)s"), { last: formatDateTime(row.last_at), first: formatDateTime(row.first_at) }),
              ),
              h(
                "span",
                { class: "muted small" },
                fmt(ngettext("%(count)s read", "%(count)s reads", row.reads), { count: row.reads }),
                " · ",
                fmt(ngettext("in %(count)s hour", "in %(count)s hours", row.hours), { count: row.hours }),
              ),
            ),
          ),
        )
      : h("p", { class: "muted small", text: gettext("No staff member has opened it yet.") }),
    h("h3", { class: "subhead", text: gettext("Customer data revealed") }),
    reveals.length
      ? h(
          "ul",
          { class: "access-list" },
          ...reveals.map((row) =>
            h(
              "li",
              {},
              h("strong", { text: staffName(row.actor) }),
              h("time", { class: "muted small", datetime: row.at, text: formatDateTime(row.at) }),
              h("span", { class: "small", text: row.fields.map(revealFieldLabel).join(", ") }),
              h("q", { class: "access-reason", text: row.reason }),
            ),
          ),
        )
      : h("p", { class: "muted small", text: gettext("Nobody has revealed the customer’s data on this ticket.") }),
  );
}

if (accessDialog) {
  el("access-button").addEventListener("click", openAccess);
  accessDialog.querySelector("[data-close]").addEventListener("click", () => accessDialog.close());
}

// --- Keyboard ---

const openShortcuts = setupShortcutsDialog();

function backToQueue() {
  window.location.assign(queueUrl());
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented) return;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    if (dialogOpen()) return;
    event.preventDefault();
    send();
    return;
  }
  if (dialogOpen()) return; // Esc closes the dialog itself
  if (event.key === "Escape") {
    event.preventDefault();
    if (isTyping(event)) event.target.blur();
    else backToQueue();
    return;
  }
  if (isTyping(event) || !plainKey(event)) return;
  switch (event.key) {
    case "r":
      event.preventDefault();
      setMode("reply", { focus: true });
      break;
    case "n":
      event.preventDefault();
      setMode("note", { focus: true });
      break;
    case "c":
      event.preventDefault();
      claim();
      break;
    case "s":
      event.preventDefault();
      el("p-status").focus();
      break;
    case "?":
      event.preventDefault();
      openShortcuts();
      break;
    default:
  }
});

el("back-link").addEventListener("click", (event) => {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  backToQueue();
});
el("back-link").href = queueUrl();

// --- Start, then keep fresh ---

async function refresh() {
  if (state.busy || state.gone || document.hidden || dialogOpen()) return;
  try {
    const ticket = await api.get(base);
    if (ticket.updated_at === state.ticket.updated_at && (ticket.messages || []).length === (state.ticket.messages || []).length) {
      state.ticket = ticket; // clocks and the customer panel may still have moved
      if (!body.value.trim()) state.baseVersion = ticket.version ?? null;
      renderClocks();
      renderHeader();
      return;
    }
    state.ticket = ticket;
    state.events = await allEvents();
    // Changes that arrive before the agent starts writing are no collision: they are on screen.
    if (!body.value.trim()) state.baseVersion = ticket.version ?? null;
    render();
  } catch {
    /* a failed refresh is retried on the next tick */
  }
}

async function start() {
  setMode("reply");
  restoreDraft();
  try {
    await Promise.all([loadTicket(), loadReferenceData()]);
  } catch (error) {
    root.removeAttribute("aria-busy");
    alertError(error, gettext("This ticket could not be loaded."));
    composer.hidden = true;
    return;
  }
  state.baseVersion = state.ticket.version ?? null;
  render();
  renderMacros();
  startPresence({ base, container: el("presence"), typingSource: body });
  root.removeAttribute("aria-busy");
  root.dataset.ready = "true";
  startTicking(document);
  window.setInterval(refresh, REFRESH_MS);
}

start();
