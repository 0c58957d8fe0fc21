// Saved queue views on the queue page: the personal and team views from GET views/ beside the
// built-in ones, each with its count (GET views/counts/: exact up to 999, then "999+"); saving the
// current filters and columns as a view (a lead may share it with a team), editing and deleting
// it, and the columns shown. The queue (queue.js) keeps the current view in the URL (?view=<id>).

import { api, describeError, request, results, splitErrors } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { fmt } from "/static/portal/i18n.js";
import { toast } from "./common.js";

// The table's columns, in its order (desk/models.py SavedView.Column). The ticket is always shown.
export const COLUMNS = [
  ["sla", () => gettext("SLA")],
  ["priority", () => gettext("Priority")],
  ["subject", () => gettext("Ticket")],
  ["category", () => gettext("Category")],
  ["amount", () => gettext("Amount")],
  ["tier", () => gettext("Tier")],
  ["status", () => gettext("Status")],
  ["team", () => gettext("Team / assignee")],
];
const ALL_COLUMNS = COLUMNS.map(([key]) => key);
const COUNT_MIN_MS = 4000; // counts are asked for at most this often (the API caches them too)

const page = document.getElementById("queue-page");
const canShare = page?.dataset.canShare === "true";
const container = document.getElementById("saved-views");
const table = document.querySelector(".queue-table");
const columnsList = document.getElementById("columns-list");
const dialog = document.getElementById("view-dialog");
const dialogForm = document.getElementById("view-form");
const deleteDialog = document.getElementById("view-delete-dialog");

const state = {
  views: new Map(), // id (string) → view
  columns: ALL_COLUMNS.slice(),
  countsAt: 0,
  countsTimer: null,
  editing: null, // the view the dialog edits, or null for a new one
  teams: [],
  hooks: { current: () => ({ view: "", filters: {} }), select: () => {} },
};

export function savedView(id) {
  return state.views.get(String(id)) || null;
}

export function currentColumns() {
  return state.columns.slice();
}

// --- Columns -------------------------------------------------------------------------------------

export function applyColumns(columns) {
  const shown = columns && columns.length ? new Set([...columns, "subject"]) : new Set(ALL_COLUMNS);
  state.columns = ALL_COLUMNS.filter((key) => shown.has(key));
  for (const key of ALL_COLUMNS) table?.classList.toggle(`hide-col-${key}`, !shown.has(key));
  for (const box of columnsList?.querySelectorAll("input[type=checkbox]") || []) box.checked = shown.has(box.value);
}

function columnBoxes(prefix, chosen) {
  return COLUMNS.map(([key, label]) =>
    h(
      "label",
      { class: "column-choice" },
      h("input", {
        type: "checkbox",
        value: key,
        id: `${prefix}-${key}`,
        checked: chosen.includes(key),
        disabled: key === "subject",
      }),
      " ",
      label(),
    ),
  );
}

function setupColumnsMenu() {
  if (!columnsList) return;
  columnsList.append(...columnBoxes("col", state.columns));
  columnsList.addEventListener("change", () => {
    const chosen = Array.from(columnsList.querySelectorAll("input:checked"), (box) => box.value);
    applyColumns(chosen);
  });
}

// --- The list of views ---------------------------------------------------------------------------

export async function loadSavedViews() {
  try {
    const data = await api.get("views/", { page_size: 100 });
    state.views = new Map(results(data).map((view) => [String(view.id), view]));
  } catch {
    state.views = new Map();
  }
  renderViewLinks();
}

export function renderViewLinks() {
  if (!container) return;
  const links = Array.from(state.views.values()).map((view) =>
    h(
      "a",
      {
        href: `?view=${view.id}`,
        dataset: { view: String(view.id), scope: view.scope },
        title: view.scope === "team" ? fmt(gettext("Shared with team %(team)s"), { team: teamName(view.team) }) : gettext("Your personal view"),
      },
      view.scope === "team" ? h("span", { class: "view-scope", "aria-hidden": "true", text: gettext("Team") }) : null,
      h("span", { class: "view-name", text: view.name }),
      view.scope === "team" ? h("span", { class: "visually-hidden", text: fmt(gettext("(shared with %(team)s)"), { team: teamName(view.team) }) }) : null,
      " ",
      h("span", { class: "view-count", dataset: { countSaved: String(view.id) } }),
    ),
  );
  replaceChildren(container, ...links);
  container.hidden = links.length === 0;
  syncTools();
}

function teamName(code) {
  const team = state.teams.find((t) => t.code === code);
  return team ? team.name : code || "";
}

export function setTeams(teams) {
  state.teams = teams;
  const select = document.getElementById("view-team");
  if (select) {
    while (select.options.length > 1) select.remove(1);
    for (const team of teams) select.append(h("option", { value: team.code, text: team.name }));
  }
  renderViewLinks();
}

// --- Counts --------------------------------------------------------------------------------------

function showCount(span, entry) {
  if (!span) return;
  span.textContent = entry && entry.display ? entry.display : "";
  span.classList.toggle("is-capped", Boolean(entry && entry.capped));
}

export async function refreshCounts() {
  state.countsAt = Date.now();
  try {
    const data = await api.get("views/counts/");
    for (const entry of data.builtin || []) {
      showCount(document.querySelector(`#views [data-count-builtin="${CSS.escape(entry.key)}"]`), entry);
    }
    for (const entry of data.saved || []) {
      showCount(document.querySelector(`#views [data-count-saved="${entry.id}"]`), entry);
    }
    document.getElementById("views")?.setAttribute("data-counts-ready", "true");
  } catch {
    /* the counts are a help: the queue works without them */
  }
}

/** Ask for fresh counts soon (after the queue changed), at most every few seconds. */
export function refreshCountsSoon() {
  if (state.countsTimer) return;
  const wait = Math.max(0, COUNT_MIN_MS - (Date.now() - state.countsAt));
  state.countsTimer = window.setTimeout(() => {
    state.countsTimer = null;
    refreshCounts();
  }, wait);
}

// --- Save, edit, delete ----------------------------------------------------------------------------

function syncTools() {
  const { view } = state.hooks.current();
  const current = savedView(view);
  const editable = Boolean(current && current.can_edit);
  document.getElementById("view-edit").hidden = !editable;
  document.getElementById("view-delete").hidden = !editable;
}

export function viewChanged() {
  const { view } = state.hooks.current();
  const current = savedView(view);
  applyColumns(current ? current.columns : []);
  syncTools();
}

function filtersSummary(filters) {
  const names = Object.keys(filters);
  if (!names.length) return gettext("No filters: every open ticket you may see.");
  return fmt(gettext("Filters: %(filters)s"), { filters: names.map((name) => `${name}=${filters[name]}`).join(", ") });
}

function openDialog(view) {
  state.editing = view;
  const { filters } = state.hooks.current();
  document.getElementById("view-dialog-title").textContent = view ? gettext("Edit view") : gettext("Save view");
  dialogForm.elements.name.value = view ? view.name : "";
  document.getElementById("view-team-field").hidden = !canShare;
  document.getElementById("view-team").value = view && view.team ? view.team : "";
  replaceChildren(document.getElementById("view-columns"), ...columnBoxes("view-col", state.columns));
  document.getElementById("view-filters-summary").textContent = filtersSummary(filters);
  replaceChildren(document.getElementById("view-form-error"));
  document.getElementById("view-name-error").hidden = true;
  dialog.showModal();
  dialogForm.elements.name.focus();
}

function showFormError(error) {
  const { fields, general } = splitErrors(error.data);
  const nameMessage = (fields.name || []).join(" ");
  const nameError = document.getElementById("view-name-error");
  nameError.hidden = !nameMessage;
  nameError.textContent = nameMessage;
  const other = [
    ...general,
    ...Object.entries(fields)
      .filter(([key]) => key !== "name")
      .map(([key, messages]) => `${key}: ${messages.join(" ")}`),
  ];
  const text = other.join(" ") || (nameMessage ? "" : describeError(error));
  replaceChildren(document.getElementById("view-form-error"), text ? h("p", { class: "alert alert-error", text }) : null);
}

async function submitDialog(event) {
  event.preventDefault();
  const name = dialogForm.elements.name.value.trim();
  if (!name) {
    const nameError = document.getElementById("view-name-error");
    nameError.hidden = false;
    nameError.textContent = gettext("Give the view a name.");
    dialogForm.elements.name.focus();
    return;
  }
  const columns = Array.from(document.querySelectorAll("#view-columns input:checked"), (box) => box.value);
  const body = { name, filters: state.hooks.current().filters, columns: columns.length === ALL_COLUMNS.length ? [] : columns };
  if (canShare) body.team = document.getElementById("view-team").value || null;
  const submit = document.getElementById("view-submit");
  submit.disabled = true;
  try {
    const saved = state.editing
      ? await request(`views/${state.editing.id}/`, { method: "PATCH", json: body })
      : await api.post("views/", body);
    state.views.set(String(saved.id), saved);
    renderViewLinks();
    dialog.close();
    toast(
      saved.scope === "team"
        ? fmt(gettext("View saved and shared with %(team)s."), { team: teamName(saved.team) })
        : gettext("View saved."),
    );
    state.hooks.select(String(saved.id));
    refreshCounts();
  } catch (error) {
    showFormError(error);
  } finally {
    submit.disabled = false;
  }
}

function openDelete() {
  const current = savedView(state.hooks.current().view);
  if (!current) return;
  document.getElementById("view-delete-text").textContent =
    current.scope === "team"
      ? fmt(gettext("“%(name)s” is shared: it disappears for the whole team. This cannot be undone."), { name: current.name })
      : fmt(gettext("“%(name)s” will be deleted. This cannot be undone."), { name: current.name });
  replaceChildren(document.getElementById("view-delete-error"));
  deleteDialog.showModal();
}

async function confirmDelete() {
  const current = savedView(state.hooks.current().view);
  if (!current) return;
  try {
    await request(`views/${current.id}/`, { method: "DELETE" });
    state.views.delete(String(current.id));
    deleteDialog.close();
    renderViewLinks();
    toast(fmt(gettext("View deleted: %(name)s"), { name: current.name }));
    state.hooks.select("");
  } catch (error) {
    replaceChildren(document.getElementById("view-delete-error"), h("p", { class: "alert alert-error", text: describeError(error) }));
  }
}

/**
 * Wire the controls. `current()` gives the queue's view key and effective filters; `select(key)`
 * makes a view current (URL, controls, rows).
 */
export function setupSavedViews({ current, select }) {
  state.hooks = { current, select };
  setupColumnsMenu();
  document.getElementById("view-save").addEventListener("click", () => openDialog(null));
  document.getElementById("view-edit").addEventListener("click", () => openDialog(savedView(current().view)));
  document.getElementById("view-delete").addEventListener("click", openDelete);
  document.getElementById("view-delete-confirm").addEventListener("click", confirmDelete);
  dialogForm.addEventListener("submit", submitDialog);
  for (const box of [dialog, deleteDialog]) {
    for (const button of box.querySelectorAll("[data-close]")) button.addEventListener("click", () => box.close());
  }
}
