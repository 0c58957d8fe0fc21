// The queue: GET queue/ in its order, kept live by conditional polling (If-None-Match → 304 costs
// nothing), rows diffed by reference and updated in place; views and filters in the URL; j/k, Enter,
// x and c on the keyboard; bulk actions through one POST tickets/bulk/.

import { ApiError, api, describeError, pagePath, results } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { LANG, fmt } from "/static/portal/i18n.js";
import {
  amountText,
  conditionalGet,
  countdown,
  deskTicketUrl,
  dialogOpen,
  isTyping,
  plainKey,
  priorityLabel,
  priorityPill,
  referenceData,
  rememberQueueUrl,
  setupShortcutsDialog,
  slaStateLabel,
  startTicking,
  statusLabel,
  statusPill,
  tierLabel,
  toast,
  waitingOnLabel,
} from "./common.js";
import {
  loadSavedViews,
  refreshCounts,
  refreshCountsSoon,
  savedView,
  setTeams,
  setupSavedViews,
  viewChanged,
} from "./saved-views.js";

const POLL_MS = 3500;
const DEFAULT_PAGE = 25; // the API's default page size: no page_size sent below it
const MAX_PAGE = 100;
// The incident's title in the desk's language (the desk's incidents API sends both).
const incidentTitle = (incident) => (LANG.startsWith("zh") && incident.title_zh_hans) || incident.title;

const FILTERS = ["team", "status", "priority", "category", "assignee", "breached", "due_within", "q", "incident"];
const VIEWS = {
  "": {},
  mine: { assignee: "me" },
  unassigned: { assignee: "none" },
  breached: { breached: "true" },
  due1h: { due_within: "60" },
};

const tbody = document.getElementById("queue-rows");
const empty = document.getElementById("queue-empty");
const alertBox = document.getElementById("queue-alert");
const live = document.getElementById("queue-live");
const moreButton = document.getElementById("load-more");
const form = document.getElementById("filters");
const selectAll = document.getElementById("select-all");
const bulkBar = document.getElementById("bulk-bar");
const bulkCount = document.getElementById("bulk-count");
const bulkAction = document.getElementById("bulk-action");
const bulkValue = document.getElementById("bulk-value");
const bulkApply = document.getElementById("bulk-apply");
const bulkResults = document.getElementById("bulk-results");
const bulkResultsList = document.getElementById("bulk-results-list");
const bulkResultsTitle = document.getElementById("bulk-results-title");
const userId = document.body.dataset.userId;

const state = {
  rows: new Map(), // reference → {ticket, tr, sig}
  current: null, // reference under the keyboard cursor
  selected: new Set(),
  etag: null,
  next: null,
  loaded: 0, // rows fetched so far (first page + "Load more")
  polling: false,
  generation: 0, // bumps on every filter change: late answers of an old query are dropped
  ready: false,
  ref: { teams: [], agents: [], categories: [], macros: [] },
};

// --- URL ⇄ filters ---

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  const filters = {};
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  const view = params.get("view") || "";
  // A built-in view's key, or a saved view's id (saved-views.js).
  return { view: view in VIEWS || savedView(view) ? view : "", filters };
}

function effectiveQuery() {
  const { view, filters } = readUrl();
  return { ...(VIEWS[view] || savedView(view)?.filters || {}), ...filters };
}

function writeUrl({ view, filters }, { replace = false } = {}) {
  const params = new URLSearchParams();
  if (view) params.set("view", view);
  for (const name of FILTERS) if (filters[name]) params.set(name, filters[name]);
  const qs = params.toString();
  const url = window.location.pathname + (qs ? `?${qs}` : "");
  if (url === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  rememberQueueUrl();
}

function syncControls() {
  const { view, filters } = readUrl();
  for (const link of document.querySelectorAll("#views [data-view]")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  for (const name of FILTERS) {
    const control = form.elements[name];
    if (!control) continue;
    if (control.type === "checkbox") control.checked = filters[name] === "true";
    else if (document.activeElement !== control || control.tagName === "SELECT") {
      const value = filters[name] || "";
      if (control.tagName === "SELECT" && value && !Array.from(control.options).some((o) => o.value === value)) {
        control.append(h("option", { value, text: value })); // a user id or code not listed (yet)
      }
      control.value = value;
    }
  }
}

function filtersFromForm() {
  const filters = {};
  for (const name of FILTERS) {
    const control = form.elements[name];
    if (!control) continue;
    const value = control.type === "checkbox" ? (control.checked ? "true" : "") : control.value.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

function queuePath(extra = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...effectiveQuery(), ...extra })) {
    if (value !== "" && value !== null && value !== undefined) params.set(key, value);
  }
  const qs = params.toString();
  return `/api/v1/queue/${qs ? `?${qs}` : ""}`;
}

function pollPath() {
  // The poll covers every row fetched so far (up to the API's maximum page).
  const size = Math.min(Math.max(state.loaded, DEFAULT_PAGE), MAX_PAGE);
  return queuePath(size > DEFAULT_PAGE ? { page_size: size } : {});
}

// --- Rows ---

function signature(ticket) {
  return JSON.stringify([
    ticket.subject,
    ticket.status,
    ticket.priority,
    ticket.category,
    ticket.category_name,
    ticket.asset,
    ticket.amount,
    ticket.customer_tier,
    ticket.team,
    ticket.team_name,
    ticket.assignee,
    ticket.waiting_on,
    ticket.sla_due_at,
    ticket.sla_state,
    ticket.requester,
    ticket.updated_at,
  ]);
}

function personName(person) {
  return person ? person.name || person.username || "" : "";
}

function slaWord(ticket, slaState) {
  // Past due but not yet marked by the sweep: say so rather than "on track".
  if ((slaState === "on_track" || slaState === "warning") && ticket.sla_due_at && Date.parse(ticket.sla_due_at) < Date.now()) {
    return gettext("Overdue");
  }
  return slaStateLabel(slaState);
}

function cells(ticket) {
  const href = deskTicketUrl(ticket.reference);
  const slaState = ticket.sla_state || (ticket.sla_breached ? "breached" : ticket.sla_due_at ? "on_track" : "none");
  const requester = ticket.requester ? personName(ticket.requester) || ticket.requester.email : "";
  const tier = ticket.customer_tier || "";
  const assigneeName = personName(ticket.assignee);
  const mine = ticket.assignee && String(ticket.assignee.id) === userId;
  return [
    h(
      "td",
      { class: "col-check" },
      h("input", {
        type: "checkbox",
        class: "row-check",
        checked: state.selected.has(ticket.reference),
        "aria-label": fmt(gettext("Select %(reference)s"), { reference: ticket.reference }),
      }),
    ),
    h(
      "td",
      { class: "col-sla" },
      countdown(ticket.sla_due_at, slaState, { compact: true }),
      h("span", { class: `sla-word sla-word-${slaState}`, text: slaWord(ticket, slaState) }),
    ),
    h("td", { class: "col-priority" }, priorityPill(ticket.priority)),
    h(
      "td",
      { class: "col-subject" },
      h("a", { class: "subject", href, text: ticket.subject || ticket.reference }),
      h(
        "span",
        { class: "sub" },
        h("a", { class: "ref mono", href, tabindex: "-1", text: ticket.reference }),
        requester ? h("span", { class: "requester", text: requester }) : null,
      ),
    ),
    h("td", { class: "col-category", text: ticket.category_name || ticket.category || "" }),
    h("td", { class: "col-amount mono", text: amountText(ticket) }),
    h("td", { class: "col-tier" }, tier ? h("span", { class: `tier tier-${tier}`, text: tierLabel(tier) }) : null),
    h(
      "td",
      { class: "col-status" },
      statusPill(ticket.status),
      h("span", { class: `sub waiting-${ticket.waiting_on || "none"}`, text: waitingOnLabel(ticket.waiting_on) }),
    ),
    h(
      "td",
      { class: "col-team" },
      h("span", { class: "team", text: ticket.team_name || ticket.team || "" }),
      h("span", {
        class: `sub assignee${ticket.assignee ? "" : " is-unassigned"}${mine ? " is-mine" : ""}`,
        text: ticket.assignee ? (mine ? fmt(gettext("%(name)s (you)"), { name: assigneeName }) : assigneeName) : gettext("Unassigned"),
      }),
    ),
  ];
}

function fillRow(tr, ticket) {
  const slaState = ticket.sla_state || (ticket.sla_breached ? "breached" : "none");
  tr.className = `row prio-row-${ticket.priority} sla-row-${slaState}`;
  if (state.current === ticket.reference) tr.classList.add("is-current");
  if (state.selected.has(ticket.reference)) tr.classList.add("is-selected");
  replaceChildren(tr, ...cells(ticket));
}

function buildRow(ticket) {
  const tr = h("tr", { tabindex: "-1", dataset: { reference: ticket.reference } });
  fillRow(tr, ticket);
  return tr;
}

function orderedRefs() {
  return Array.from(tbody.children, (tr) => tr.dataset.reference);
}

/**
 * Bring the table in line with `tickets` (a window starting at the first row): new rows are
 * inserted where they belong, changed ones redrawn in place, moved ones moved; rows that left the
 * window are removed when the window covers everything fetched (`complete`). Nothing else is
 * touched, so there is no flicker, and focus and selection survive.
 */
function reconcile(tickets, { complete, highlight }) {
  const focused = document.activeElement;
  const focusedRow = focused && focused.closest ? focused.closest("tr[data-reference]") : null;
  const focusedRef = focusedRow ? focusedRow.dataset.reference : null;
  const focusedIndex = focusedRow ? Array.from(focusedRow.querySelectorAll("input, a")).indexOf(focused) : -1;
  const oldIndex = state.current ? orderedRefs().indexOf(state.current) : -1;

  const seen = new Set();
  let added = 0;
  tickets.forEach((ticket, index) => {
    seen.add(ticket.reference);
    let entry = state.rows.get(ticket.reference);
    const sig = signature(ticket);
    if (!entry) {
      entry = { ticket, tr: buildRow(ticket), sig };
      state.rows.set(ticket.reference, entry);
      if (highlight) {
        entry.tr.classList.add("is-new");
        window.setTimeout(() => entry.tr.classList.remove("is-new"), 2600);
        added += 1;
      }
    } else if (entry.sig !== sig) {
      const wasNew = entry.tr.classList.contains("is-new");
      entry.ticket = ticket;
      entry.sig = sig;
      fillRow(entry.tr, ticket);
      if (wasNew) entry.tr.classList.add("is-new");
      if (highlight) {
        entry.tr.classList.add("is-changed");
        window.setTimeout(() => entry.tr.classList.remove("is-changed"), 1600);
      }
    }
    const at = tbody.children[index];
    if (at !== entry.tr) tbody.insertBefore(entry.tr, at || null);
  });
  if (complete) {
    for (const [reference, entry] of state.rows) {
      if (seen.has(reference)) continue;
      entry.tr.remove();
      state.rows.delete(reference);
    }
  }
  // The cursor stays on its ticket; if that ticket left, on the row that took its place.
  if (state.current && !state.rows.has(state.current)) {
    const refs = orderedRefs();
    state.current = refs.length ? refs[Math.min(Math.max(oldIndex, 0), refs.length - 1)] : null;
  }
  if (!state.current && tbody.firstElementChild) state.current = tbody.firstElementChild.dataset.reference;
  markCurrent();
  // Moving a node blurs it: give focus back to what had it.
  if (focusedRef && state.rows.has(focusedRef)) {
    const tr = state.rows.get(focusedRef).tr;
    const target = focusedIndex >= 0 ? tr.querySelectorAll("input, a")[focusedIndex] : tr;
    if (target && document.activeElement !== target) target.focus({ preventScroll: true });
  }
  for (const reference of Array.from(state.selected)) if (!state.rows.has(reference)) state.selected.delete(reference);
  updateBulkBar();
  empty.hidden = tbody.children.length > 0;
  if (added) {
    announce(fmt(ngettext("%(count)s new ticket in the queue.", "%(count)s new tickets in the queue.", added), { count: added }));
  }
}

function announce(message) {
  live.textContent = "";
  window.setTimeout(() => {
    live.textContent = message;
  }, 30);
}

function markCurrent() {
  for (const tr of tbody.querySelectorAll("tr.is-current")) {
    if (tr.dataset.reference !== state.current) {
      tr.classList.remove("is-current");
      tr.removeAttribute("aria-current");
    }
  }
  const entry = state.current && state.rows.get(state.current);
  if (entry) {
    entry.tr.classList.add("is-current");
    entry.tr.setAttribute("aria-current", "true");
  }
}

function moveCursor(step) {
  const refs = orderedRefs();
  if (!refs.length) return;
  const index = refs.indexOf(state.current);
  const nextIndex = index < 0 ? 0 : Math.min(Math.max(index + step, 0), refs.length - 1);
  state.current = refs[nextIndex];
  markCurrent();
  const tr = state.rows.get(state.current).tr;
  tr.focus({ preventScroll: true });
  tr.scrollIntoView({ block: "nearest" });
}

function openCurrent() {
  if (!state.current) return;
  rememberQueueUrl();
  window.location.assign(deskTicketUrl(state.current));
}

// --- Loading and polling ---

function showError(error, title) {
  replaceChildren(
    alertBox,
    h("div", { class: "alert alert-error" }, h("strong", { text: title }), " ", h("span", { text: describeError(error) })),
  );
}

async function loadFirstPage() {
  const generation = ++state.generation;
  tbody.setAttribute("aria-busy", "true");
  state.etag = null;
  state.loaded = 0;
  try {
    const response = await conditionalGet(queuePath());
    if (generation !== state.generation) return;
    const tickets = results(response.data);
    state.etag = response.etag;
    state.next = response.data && response.data.next ? response.data.next : null;
    state.loaded = tickets.length;
    replaceChildren(alertBox);
    reconcile(tickets, { complete: true, highlight: false });
    moreButton.hidden = !state.next;
    refreshCountsSoon();
    if (!state.ready) {
      state.ready = true;
      document.body.dataset.queueReady = "true";
      performance.mark("desk:queue-interactive");
    }
  } catch (error) {
    if (generation !== state.generation) return;
    showError(error, gettext("The queue could not be loaded."));
  } finally {
    if (generation === state.generation) tbody.removeAttribute("aria-busy");
  }
}

async function poll() {
  if (state.polling || document.hidden || !state.ready) return;
  state.polling = true;
  const generation = state.generation;
  try {
    const response = await conditionalGet(pollPath(), { etag: state.etag });
    if (generation !== state.generation) return;
    if (alertBox.dataset.kind === "poll") replaceChildren(alertBox);
    if (response.status === 304) return;
    state.etag = response.etag;
    const tickets = results(response.data);
    const complete = state.loaded <= MAX_PAGE;
    if (complete) {
      state.next = response.data && response.data.next ? response.data.next : null;
      state.loaded = tickets.length;
      moreButton.hidden = !state.next;
    }
    reconcile(tickets, { complete, highlight: true });
    refreshCountsSoon(); // the queue changed: so may the views' counts
  } catch (error) {
    if (generation !== state.generation) return;
    if (error instanceof ApiError && error.status === 401) {
      showError(error, gettext("You were logged out."));
    } else {
      showError(error, gettext("Live updates paused."));
      alertBox.dataset.kind = "poll";
    }
  } finally {
    state.polling = false;
  }
}

async function loadMore() {
  if (!state.next) return;
  moreButton.disabled = true;
  const generation = state.generation;
  try {
    const data = await api.get(pagePath(state.next));
    if (generation !== state.generation) return;
    const tickets = results(data).filter((t) => !state.rows.has(t.reference));
    const all = [...orderedRefs().map((ref) => state.rows.get(ref).ticket), ...tickets];
    state.loaded += results(data).length;
    state.next = data && data.next ? data.next : null;
    reconcile(all, { complete: false, highlight: false });
    moreButton.hidden = !state.next;
    state.etag = null; // the poll now asks for a bigger page
  } catch (error) {
    showError(error, gettext("More tickets could not be loaded."));
  } finally {
    moreButton.disabled = false;
  }
}

// --- Reference data for filters and bulk actions ---

function option(value, text) {
  return h("option", { value, text });
}

function fillSelect(select, items, { keep = 1 } = {}) {
  const chosen = select.value;
  while (select.options.length > keep) select.remove(keep);
  for (const [value, text] of items) select.append(option(value, text));
  if (chosen && Array.from(select.options).some((o) => o.value === chosen)) select.value = chosen;
}

async function loadReferenceData() {
  const [teams, agents, categories, macros] = await Promise.allSettled([
    referenceData("teams", "teams/"),
    referenceData("agents", "agents/"),
    referenceData("categories", "categories/"),
    referenceData("macros", "macros/"),
  ]);
  state.ref.teams = teams.status === "fulfilled" ? results(teams.value) : [];
  state.ref.agents = agents.status === "fulfilled" ? results(agents.value) : [];
  state.ref.categories = categories.status === "fulfilled" ? results(categories.value) : [];
  state.ref.macros = macros.status === "fulfilled" ? results(macros.value) : [];
  setTeams(state.ref.teams);
  fillSelect(form.elements.team, state.ref.teams.map((team) => [team.code, team.name]));
  fillSelect(form.elements.category, state.ref.categories.map((category) => [category.code, category.name]));
  fillSelect(
    form.elements.assignee,
    state.ref.agents.filter((agent) => String(agent.id) !== userId).map((agent) => [String(agent.id), agent.name || agent.username]),
    { keep: 4 },
  );
  syncControls();
  fillBulkValues();
}

// --- Filters ---

function applyFilters({ replace = false } = {}) {
  const { view } = readUrl();
  writeUrl({ view, filters: filtersFromForm() }, { replace });
  syncControls();
  loadFirstPage();
}

let searchTimer = null;
form.addEventListener("input", (event) => {
  if (event.target.name !== "q") return;
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => applyFilters({ replace: true }), 300);
});
form.addEventListener("change", (event) => {
  if (event.target.name === "q") return;
  applyFilters();
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  window.clearTimeout(searchTimer);
  applyFilters();
});
document.getElementById("f-reset").addEventListener("click", () => {
  writeUrl({ view: readUrl().view, filters: {} });
  syncControls();
  loadFirstPage();
});
function selectView(view) {
  // A view is a starting point: it replaces the filters.
  writeUrl({ view, filters: {} });
  syncControls();
  viewChanged();
  loadFirstPage();
}
// Delegated: saved views' links come and go.
document.getElementById("views").addEventListener("click", (event) => {
  const link = event.target.closest("a[data-view]");
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  selectView(link.dataset.view);
});
window.addEventListener("popstate", () => {
  syncControls();
  viewChanged();
  loadFirstPage();
});
setupSavedViews({ current: () => ({ view: readUrl().view, filters: effectiveQuery() }), select: selectView });

// --- Selection and bulk actions ---

function toggleSelected(reference, on) {
  const entry = state.rows.get(reference);
  if (!entry) return;
  const selected = on === undefined ? !state.selected.has(reference) : on;
  if (selected) state.selected.add(reference);
  else state.selected.delete(reference);
  entry.tr.classList.toggle("is-selected", selected);
  const box = entry.tr.querySelector(".row-check");
  if (box) box.checked = selected;
  updateBulkBar();
}

function updateBulkBar() {
  const count = state.selected.size;
  bulkBar.hidden = count === 0;
  bulkCount.textContent = fmt(ngettext("%(count)s selected", "%(count)s selected", count), { count });
  const total = tbody.children.length;
  selectAll.checked = total > 0 && count === total;
  selectAll.indeterminate = count > 0 && count < total;
}

tbody.addEventListener("change", (event) => {
  if (!event.target.classList.contains("row-check")) return;
  const tr = event.target.closest("tr");
  toggleSelected(tr.dataset.reference, event.target.checked);
});
tbody.addEventListener("click", (event) => {
  const tr = event.target.closest("tr[data-reference]");
  if (!tr) return;
  state.current = tr.dataset.reference;
  markCurrent();
  if (event.target.closest("a")) rememberQueueUrl();
});
selectAll.addEventListener("change", () => {
  for (const reference of orderedRefs()) toggleSelected(reference, selectAll.checked);
});
document.getElementById("bulk-clear").addEventListener("click", () => {
  for (const reference of Array.from(state.selected)) toggleSelected(reference, false);
});

const BULK_STATUSES = ["open", "pending_customer", "on_hold", "solved"];
const BULK_PRIORITIES = ["urgent", "high", "normal", "low"];

function fillBulkValues() {
  const action = bulkAction.value;
  let items = [];
  if (action === "assign") {
    items = [
      [String(userId), gettext("Me")],
      ...state.ref.agents.filter((a) => String(a.id) !== userId).map((a) => [String(a.id), a.name || a.username]),
      ["", gettext("Nobody (unassign)")],
    ];
  } else if (action === "status") items = BULK_STATUSES.map((s) => [s, statusLabel(s)]);
  else if (action === "priority") items = BULK_PRIORITIES.map((p) => [p, priorityLabel(p)]);
  else if (action === "team") items = state.ref.teams.map((t) => [t.code, t.name]);
  else if (action === "apply_macro") items = state.ref.macros.map((m) => [String(m.id), m.name]);
  else if (action === "link_incident") items = activeIncidents.map((i) => [String(i.id), incidentTitle(i)]);
  fillSelect(bulkValue, items, { keep: 0 });
  bulkValue.hidden = action === "claim";
}
bulkAction.addEventListener("change", fillBulkValues);

function bulkBody() {
  const action = bulkAction.value;
  const body = { references: orderedRefs().filter((ref) => state.selected.has(ref)), action };
  const value = bulkValue.value;
  if (action === "assign") body.assignee = value === "" ? null : Number(value);
  else if (action === "status") body.status = value;
  else if (action === "priority") body.priority = value;
  else if (action === "team") body.team = value;
  else if (action === "apply_macro") body.macro = Number(value);
  return body;
}

function showBulkResults(outcomes) {
  const ok = outcomes.filter((o) => o.ok).length;
  const refused = outcomes.length - ok;
  bulkResultsTitle.textContent =
    refused === 0
      ? fmt(ngettext("Done for %(count)s ticket.", "Done for all %(count)s tickets.", ok), { count: ok })
      : fmt(gettext("Done for %(ok)s, refused for %(refused)s."), { ok, refused });
  replaceChildren(
    bulkResultsList,
    ...outcomes.map((outcome) =>
      h(
        "li",
        { class: outcome.ok ? "result-ok" : "result-refused", dataset: { reference: outcome.reference } },
        h("a", { class: "mono", href: deskTicketUrl(outcome.reference), text: outcome.reference }),
        h("strong", { text: outcome.ok ? gettext("Done") : gettext("Refused") }),
        outcome.ok ? null : h("span", { text: outcome.error || gettext("No reason given.") }),
      ),
    ),
  );
  bulkResults.hidden = false;
  bulkResults.classList.toggle("has-refused", refused > 0);
  bulkResults.focus();
}

bulkApply.addEventListener("click", async () => {
  const body = bulkBody();
  if (!body.references.length) return;
  if (bulkValue.hidden === false && bulkValue.options.length === 0) {
    toast(gettext("Choose a value first."));
    return;
  }
  bulkApply.disabled = true;
  try {
    // Linking to an incident is the incidents API's (one set-based call, the answer posted to each).
    const outcomes =
      body.action === "link_incident"
        ? await api.post(`incidents/${encodeURIComponent(bulkValue.value)}/links/`, { references: body.references })
        : await api.post("tickets/bulk/", body);
    const list = Array.isArray(outcomes) ? outcomes : results(outcomes);
    showBulkResults(list);
    for (const outcome of list) if (outcome.ok) toggleSelected(outcome.reference, false);
    state.etag = null;
    await poll();
  } catch (error) {
    showError(error, gettext("The bulk action was not applied."));
  } finally {
    bulkApply.disabled = false;
  }
});
// --- Incidents: the bulk link's choices, and the group header of a queue opened on one ---

let activeIncidents = [];

async function loadIncidents() {
  try {
    const incidents = await api.get("incidents/desk/");
    activeIncidents = incidents.filter((incident) => incident.status !== "resolved");
  } catch {
    return;
  }
  const header = document.getElementById("queue-incident");
  const chosen = new URLSearchParams(window.location.search).get("incident");
  if (!header) return;
  const shown = chosen ? activeIncidents.filter((i) => String(i.id) === chosen) : activeIncidents;
  replaceChildren(
    header,
    ...shown.map((incident) =>
      h(
        "a",
        { class: `queue-incident${String(incident.id) === chosen ? " is-current" : ""}`, href: `/desk/?incident=${incident.id}` },
        fmt(gettext("Incident: %(title)s (%(count)s)"), { title: incidentTitle(incident), count: incident.linked_open }),
      ),
    ),
    chosen ? h("a", { class: "queue-incident-clear", href: "/desk/", text: gettext("All tickets") }) : null,
  );
  header.hidden = shown.length === 0;
}
loadIncidents();

document.getElementById("bulk-results-close").addEventListener("click", () => {
  bulkResults.hidden = true;
});

async function claimCurrent() {
  const reference = state.current;
  if (!reference) return;
  try {
    await api.post(`tickets/${encodeURIComponent(reference)}/claim/`);
    toast(fmt(gettext("You claimed %(reference)s."), { reference }));
    state.etag = null;
    await poll();
  } catch (error) {
    showError(error, fmt(gettext("%(reference)s was not claimed."), { reference }));
  }
}

// --- Keyboard ---

const openShortcuts = setupShortcutsDialog();

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || dialogOpen()) return;
  if (event.key === "Escape") {
    if (isTyping(event)) event.target.blur();
    return;
  }
  if (isTyping(event) || !plainKey(event)) return;
  const onRowOrPage = event.target === document.body || event.target.matches?.("tr[data-reference], main");
  switch (event.key) {
    case "j":
    case "ArrowDown":
      if (event.key === "ArrowDown" && !onRowOrPage) return;
      event.preventDefault();
      moveCursor(1);
      break;
    case "k":
    case "ArrowUp":
      if (event.key === "ArrowUp" && !onRowOrPage) return;
      event.preventDefault();
      moveCursor(-1);
      break;
    case "Enter":
      if (!onRowOrPage) return; // a focused link or button does its own thing
      event.preventDefault();
      openCurrent();
      break;
    case "o":
      event.preventDefault();
      openCurrent();
      break;
    case "x":
      event.preventDefault();
      if (state.current) toggleSelected(state.current);
      break;
    case "c":
      event.preventDefault();
      claimCurrent();
      break;
    case "/":
      event.preventDefault();
      form.elements.q.focus();
      form.elements.q.select();
      break;
    case "?":
      event.preventDefault();
      openShortcuts();
      break;
    default:
  }
});

const filtersToggle = document.getElementById("filters-toggle");
filtersToggle.addEventListener("click", () => {
  const open = !form.classList.contains("is-open");
  form.classList.toggle("is-open", open);
  filtersToggle.setAttribute("aria-expanded", String(open));
});

// --- Start ---

rememberQueueUrl();
startTicking(tbody);
// A saved view in the URL needs its filters before the first page; the built-in ones do not wait.
const savedViewsLoaded = loadSavedViews();
const wantedView = new URLSearchParams(window.location.search).get("view") || "";
if (!(wantedView in VIEWS)) await savedViewsLoaded;
syncControls();
viewChanged();
loadFirstPage();
loadReferenceData();
savedViewsLoaded.then(() => {
  syncControls();
  viewChanged();
  refreshCounts();
});
moreButton.addEventListener("click", loadMore);
window.setInterval(poll, POLL_MS);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) poll();
});
