// The macros page: the macros the agent may use (GET macros/), written with a live preview
// (POST macros/preview/: the text with its placeholders filled in, and what applying it changes),
// saved (POST macros/ or PATCH macros/{id}/) and deleted after a confirmation (DELETE).
// The API decides who may write which macro; the page only offers what it will accept.

import { api, describeError, pagePath, request, results, splitErrors } from "/static/portal/api.js";
import { debounce, h, replaceChildren } from "/static/portal/dom.js";
import { fmt } from "/static/portal/i18n.js";
import { priorityLabel, referenceData, setupShortcutsDialog, statusLabel, toast } from "./common.js";

const page = document.getElementById("macros-page");
const canShare = page.dataset.canShare === "true";
const rows = document.getElementById("macro-rows");
const empty = document.getElementById("macro-empty");
const layout = document.getElementById("macros-layout");
const editorCard = document.getElementById("macro-editor-card");
const form = document.getElementById("macro-form");
const alertBox = document.getElementById("macros-alert");
const filterSelect = document.getElementById("macro-filter");
const deleteDialog = document.getElementById("macro-delete-dialog");
const moreWrap = document.getElementById("macro-more-wrap");

const state = { macros: [], teams: [], editing: null, deleting: null, next: null, previewSeq: 0 };

function teamName(code) {
  const team = state.teams.find((t) => t.code === code);
  return team ? team.name : code || "";
}

function scopeBadge(macro) {
  const text =
    macro.scope === "personal"
      ? gettext("Only me")
      : macro.scope === "team"
        ? fmt(gettext("Team %(team)s"), { team: teamName(macro.team) })
        : gettext("Everyone");
  return h("span", { class: `scope-badge scope-${macro.scope}`, text });
}

function actionsSummary(macro) {
  const words = [];
  if (macro.internal) words.push(gettext("internal note"));
  if (macro.set_status) words.push(fmt(gettext("status: %(status)s"), { status: statusLabel(macro.set_status) }));
  if (macro.set_priority) words.push(fmt(gettext("priority: %(priority)s"), { priority: priorityLabel(macro.set_priority) }));
  if (macro.set_team) words.push(fmt(gettext("team: %(team)s"), { team: teamName(macro.set_team) }));
  return words.join(" · ") || "—";
}

function renderList() {
  const shown = state.macros.filter((m) => !filterSelect.value || m.scope === filterSelect.value);
  replaceChildren(
    rows,
    ...shown.map((macro) =>
      h(
        "tr",
        { dataset: { macroId: String(macro.id) }, class: state.editing && state.editing.id === macro.id ? "is-editing" : "" },
        h("td", { class: "macro-main" }, h("span", { class: "macro-name", text: macro.name }), h("span", { class: "macro-snippet", text: macro.body })),
        h("td", { class: "macro-scope" }, scopeBadge(macro)),
        h("td", { class: "col-actions-summary small", text: actionsSummary(macro) }),
        h(
          "td",
          { class: "macro-actions" },
          h(
            "div",
            { class: "macro-row-actions" },
            macro.can_edit
              ? [
                  h("button", {
                    type: "button",
                    class: "btn btn-ghost btn-sm",
                    text: gettext("Edit"),
                    "aria-label": fmt(gettext("Edit %(name)s"), { name: macro.name }),
                    on: { click: () => openEditor(macro) },
                  }),
                  h("button", {
                    type: "button",
                    class: "btn btn-ghost btn-sm",
                    text: gettext("Delete"),
                    "aria-label": fmt(gettext("Delete %(name)s"), { name: macro.name }),
                    on: { click: () => openDelete(macro) },
                  }),
                ]
              : h("span", { class: "muted small", text: gettext("Read only") }),
          ),
        ),
      ),
    ),
  );
  rows.removeAttribute("aria-busy");
  empty.hidden = shown.length > 0;
}

async function loadMacros(path = "macros/") {
  try {
    const data = await api.get(path, path === "macros/" ? { page_size: 100 } : undefined);
    state.macros = path === "macros/" ? results(data) : [...state.macros, ...results(data)];
    state.next = data && data.next ? data.next : null;
    moreWrap.hidden = !state.next;
    renderList();
  } catch (error) {
    replaceChildren(alertBox, h("p", { class: "alert alert-error", text: describeError(error) }));
  }
}

// --- Editor ----------------------------------------------------------------------------------------

function fillTeamSelects() {
  const team = form.elements.team;
  const setTeam = form.elements.set_team;
  replaceChildren(team, ...state.teams.map((t) => h("option", { value: t.code, text: t.name })));
  replaceChildren(
    setTeam,
    h("option", { value: "", text: gettext("Keep the team") }),
    ...state.teams.map((t) => h("option", { value: t.code, text: t.name })),
  );
}

function syncScope() {
  document.getElementById("m-team-field").hidden = form.elements.scope.value !== "team";
}

function clearErrors() {
  for (const el of form.querySelectorAll("[data-error-for]")) el.textContent = "";
  replaceChildren(document.getElementById("macro-form-error"));
}

function openEditor(macro) {
  state.editing = macro;
  clearErrors();
  document.getElementById("macro-editor-title").textContent = macro ? fmt(gettext("Edit “%(name)s”"), { name: macro.name }) : gettext("New macro");
  form.elements.name.value = macro ? macro.name : "";
  form.elements.body.value = macro ? macro.body : "";
  form.elements.internal.checked = Boolean(macro && macro.internal);
  const scope = macro ? macro.scope : "personal";
  // A shared macro is only ever edited by a lead, whose select has every scope.
  form.elements.scope.value = Array.from(form.elements.scope.options).some((o) => o.value === scope) ? scope : "personal";
  if (macro && macro.team) form.elements.team.value = macro.team;
  form.elements.set_status.value = macro ? macro.set_status : "";
  form.elements.set_priority.value = macro ? macro.set_priority : "";
  form.elements.set_team.value = macro ? macro.set_team : "";
  syncScope();
  editorCard.hidden = false;
  layout.classList.remove("is-listing");
  renderList();
  form.elements.name.focus();
  preview();
}

function closeEditor() {
  state.editing = null;
  editorCard.hidden = true;
  layout.classList.add("is-listing");
  renderList();
  document.getElementById("macro-new").focus();
}

function editorBody() {
  const body = {
    name: form.elements.name.value.trim(),
    body: form.elements.body.value,
    internal: form.elements.internal.checked,
    set_status: form.elements.set_status.value,
    set_priority: form.elements.set_priority.value,
    set_team: form.elements.set_team.value || null,
    scope: form.elements.scope.value,
  };
  if (body.scope === "team") body.team = form.elements.team.value || null;
  return body;
}

function showErrors(error, target) {
  const { fields, general } = splitErrors(error.data);
  const unplaced = [...general];
  for (const [name, messages] of Object.entries(fields)) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) slot.textContent = messages.join(" ");
    else unplaced.push(`${name}: ${messages.join(" ")}`);
  }
  if (unplaced.length || !Object.keys(fields).length) {
    replaceChildren(target, h("p", { class: "alert alert-error", text: unplaced.join(" ") || describeError(error) }));
  }
}

const preview = debounce(async () => {
  if (editorCard.hidden) return;
  const seq = ++state.previewSeq;
  const { body, internal, set_status, set_priority, set_team } = editorBody();
  const ticket = form.elements.ticket.value.trim();
  const request_ = { body, internal, set_status, set_priority, set_team };
  if (ticket) request_.ticket = ticket;
  const ticketError = form.querySelector('[data-error-for="ticket"]');
  try {
    const result = await api.post("macros/preview/", request_);
    if (seq !== state.previewSeq) return;
    ticketError.textContent = "";
    document.getElementById("m-preview-body").textContent = result.body;
    replaceChildren(document.getElementById("m-preview-changes"), ...result.changes.map((text) => h("li", { text })));
    const warning = document.getElementById("m-preview-warning");
    warning.hidden = !result.unknown_placeholders.length;
    warning.textContent = result.unknown_placeholders.length
      ? fmt(gettext("Not filled in, posted as typed: %(names)s"), {
          names: result.unknown_placeholders.map((n) => `{${n}}`).join(", "),
        })
      : "";
    page.dataset.previewReady = String(seq);
  } catch (error) {
    if (seq !== state.previewSeq) return;
    const { fields } = splitErrors(error.data);
    ticketError.textContent = fields.ticket ? fields.ticket.join(" ") : "";
    if (!fields.ticket) document.getElementById("m-preview-body").textContent = describeError(error);
  }
}, 250);

form.addEventListener("input", preview);
form.addEventListener("change", (event) => {
  if (event.target === form.elements.scope) syncScope();
  preview();
});
for (const button of form.querySelectorAll("[data-placeholder]")) {
  button.addEventListener("click", () => {
    const area = form.elements.body;
    const start = area.selectionStart ?? area.value.length;
    const end = area.selectionEnd ?? area.value.length;
    area.setRangeText(button.dataset.placeholder, start, end, "end");
    area.focus();
    preview();
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const body = editorBody();
  if (!body.name || !body.body.trim()) {
    if (!body.name) form.querySelector('[data-error-for="name"]').textContent = gettext("Give the macro a name.");
    if (!body.body.trim()) form.querySelector('[data-error-for="body"]').textContent = gettext("Write the macro's text.");
    (body.name ? form.elements.body : form.elements.name).focus();
    return;
  }
  const save = document.getElementById("macro-save");
  save.disabled = true;
  try {
    const saved = state.editing
      ? await request(`macros/${state.editing.id}/`, { method: "PATCH", json: body })
      : await api.post("macros/", body);
    const index = state.macros.findIndex((m) => m.id === saved.id);
    if (index >= 0) state.macros[index] = saved;
    else state.macros = [...state.macros, saved].sort((a, b) => a.name.localeCompare(b.name));
    toast(fmt(gettext("Macro saved: %(name)s"), { name: saved.name }));
    closeEditor();
  } catch (error) {
    showErrors(error, document.getElementById("macro-form-error"));
  } finally {
    save.disabled = false;
  }
});
document.getElementById("macro-cancel").addEventListener("click", closeEditor);
document.getElementById("macro-cancel-top").addEventListener("click", closeEditor);
document.getElementById("macro-new").addEventListener("click", () => openEditor(null));
filterSelect.addEventListener("change", renderList);
document.getElementById("macro-more").addEventListener("click", () => state.next && loadMacros(pagePath(state.next)));

// --- Delete ------------------------------------------------------------------------------------------

function openDelete(macro) {
  state.deleting = macro;
  document.getElementById("macro-delete-text").textContent =
    macro.scope === "personal"
      ? fmt(gettext("“%(name)s” will no longer be offered to you."), { name: macro.name })
      : fmt(gettext("“%(name)s” is shared: nobody will be offered it any more."), { name: macro.name });
  replaceChildren(document.getElementById("macro-delete-error"));
  deleteDialog.showModal();
}

document.getElementById("macro-delete-confirm").addEventListener("click", async () => {
  const macro = state.deleting;
  if (!macro) return;
  try {
    await request(`macros/${macro.id}/`, { method: "DELETE" });
    state.macros = state.macros.filter((m) => m.id !== macro.id);
    if (state.editing && state.editing.id === macro.id) closeEditor();
    deleteDialog.close();
    renderList();
    toast(fmt(gettext("Macro deleted: %(name)s"), { name: macro.name }));
  } catch (error) {
    replaceChildren(document.getElementById("macro-delete-error"), h("p", { class: "alert alert-error", text: describeError(error) }));
  }
});
for (const button of deleteDialog.querySelectorAll("[data-close]")) button.addEventListener("click", () => deleteDialog.close());

// --- Start -------------------------------------------------------------------------------------------

setupShortcutsDialog();
try {
  state.teams = results(await referenceData("teams", "teams/"));
} catch {
  state.teams = [];
}
if (!canShare) {
  // Agents write personal macros only: the scope select has just that one choice.
  form.elements.scope.disabled = true;
}
fillTeamSelects();
await loadMacros();
page.dataset.ready = "true";
