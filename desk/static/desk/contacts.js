// The official-contacts page (leads and admins): the list (GET official-contacts/), added and
// changed in one form (POST, PATCH official-contacts/{id}/), made inactive or active again from
// its row (PATCH is_active), deleted after a confirmation (DELETE). The API normalises each value
// and answers a field error for one that does not fit its channel or is already listed.

import { api, describeError, pagePath, request, results, splitErrors } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { fmt } from "/static/portal/i18n.js";
import { setupShortcutsDialog, toast } from "./common.js";

const page = document.getElementById("contacts-page");
const rows = document.getElementById("contact-rows");
const empty = document.getElementById("contact-empty");
const form = document.getElementById("contact-form");
const alertBox = document.getElementById("contacts-alert");
const filterSelect = document.getElementById("contact-filter");
const deleteDialog = document.getElementById("contact-delete-dialog");
const moreWrap = document.getElementById("contact-more-wrap");
const editorTitle = document.getElementById("contact-editor-title");
const saveButton = document.getElementById("contact-save");
const cancelButton = document.getElementById("contact-cancel");

// The channels' names as the server translated them (the form's select).
const CHANNELS = Object.fromEntries(Array.from(form.elements.channel.options, (o) => [o.value, o.text]));

const state = { contacts: [], editing: null, deleting: null, next: null };

/** The stored value as people write it: a phone number with its +, a Telegram account with its @. */
function displayValue(contact) {
  if (contact.channel === "phone") return `+${contact.value}`;
  if (contact.channel === "telegram") return `@${contact.value}`;
  return contact.value;
}

function sortContacts() {
  state.contacts.sort((a, b) => a.channel.localeCompare(b.channel) || a.value.localeCompare(b.value));
}

function rowActions(contact) {
  const shown = displayValue(contact);
  return h(
    "div",
    { class: "macro-row-actions" },
    h("button", {
      type: "button",
      class: "btn btn-ghost btn-sm",
      text: gettext("Edit"),
      "aria-label": fmt(gettext("Edit %(contact)s"), { contact: shown }),
      on: { click: () => openEditor(contact) },
    }),
    h("button", {
      type: "button",
      class: "btn btn-ghost btn-sm",
      dataset: { toggle: contact.is_active ? "deactivate" : "activate" },
      text: contact.is_active ? gettext("Deactivate") : gettext("Activate"),
      "aria-label": fmt(contact.is_active ? gettext("Deactivate %(contact)s") : gettext("Activate %(contact)s"), {
        contact: shown,
      }),
      on: { click: () => toggleActive(contact) },
    }),
    h("button", {
      type: "button",
      class: "btn btn-ghost btn-sm",
      text: gettext("Delete"),
      "aria-label": fmt(gettext("Delete %(contact)s"), { contact: shown }),
      on: { click: () => openDelete(contact) },
    }),
  );
}

function renderList() {
  const shown = state.contacts.filter((c) => !filterSelect.value || c.channel === filterSelect.value);
  replaceChildren(
    rows,
    ...shown.map((contact) =>
      h(
        "tr",
        {
          dataset: { contactId: String(contact.id) },
          class: [state.editing && state.editing.id === contact.id ? "is-editing" : "", contact.is_active ? "" : "is-inactive"]
            .join(" ")
            .trim(),
        },
        h("td", { class: "contact-channel" }, h("span", { class: `channel-badge channel-${contact.channel}`, text: CHANNELS[contact.channel] || contact.channel })),
        h("td", { class: "contact-value" }, h("span", { class: "mono", text: displayValue(contact) })),
        h("td", { class: "contact-label", text: contact.label || "—" }),
        h(
          "td",
          { class: "contact-status" },
          h("span", {
            class: `pill ${contact.is_active ? "contact-active" : "contact-inactive"}`,
            text: contact.is_active ? gettext("Active") : gettext("Inactive"),
          }),
        ),
        h("td", { class: "contact-actions" }, rowActions(contact)),
      ),
    ),
  );
  rows.removeAttribute("aria-busy");
  empty.hidden = shown.length > 0;
}

async function loadContacts(path = "official-contacts/") {
  try {
    const first = path === "official-contacts/";
    const data = await api.get(path, first ? { page_size: 100 } : undefined);
    state.contacts = first ? results(data) : [...state.contacts, ...results(data)];
    state.next = data && data.next ? data.next : null;
    moreWrap.hidden = !state.next;
    renderList();
  } catch (error) {
    replaceChildren(alertBox, h("p", { class: "alert alert-error", text: describeError(error) }));
  }
}

// --- The form: add, or edit the row chosen --------------------------------------------------------

function syncHint() {
  for (const hint of form.querySelectorAll("[data-hint-for]")) hint.hidden = hint.dataset.hintFor !== form.elements.channel.value;
}

function clearErrors() {
  for (const el of form.querySelectorAll("[data-error-for]")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  replaceChildren(document.getElementById("contact-form-error"));
}

function openEditor(contact) {
  state.editing = contact;
  clearErrors();
  editorTitle.textContent = contact ? fmt(gettext("Edit “%(contact)s”"), { contact: displayValue(contact) }) : editorTitle.dataset.addTitle;
  form.elements.channel.value = contact ? contact.channel : form.elements.channel.options[0].value;
  form.elements.value.value = contact ? displayValue(contact) : "";
  form.elements.label.value = contact ? contact.label : "";
  form.elements.is_active.checked = contact ? contact.is_active : true;
  saveButton.textContent = contact ? saveButton.dataset.editText : saveButton.dataset.addText;
  cancelButton.hidden = !contact;
  syncHint();
  renderList();
  if (contact) form.elements.value.focus();
}

function showErrors(error) {
  const { fields, general } = splitErrors(error.data);
  delete fields.code; // the error's kind ("invalid"), not a field
  const unplaced = [...general];
  for (const [name, messages] of Object.entries(fields)) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) {
      slot.textContent = messages.join(" ");
      form.elements[name]?.setAttribute("aria-invalid", "true");
    } else {
      unplaced.push(`${name}: ${messages.join(" ")}`);
    }
  }
  // The detail repeats the field's message: shown once, at the field.
  const placed = new Set(Object.values(fields).flat());
  const rest = unplaced.filter((text) => !placed.has(text));
  if (rest.length || !Object.keys(fields).length) {
    replaceChildren(
      document.getElementById("contact-form-error"),
      h("p", { class: "alert alert-error", text: rest.join(" ") || describeError(error) }),
    );
  }
  const first = Object.keys(fields).find((name) => form.elements[name]);
  if (first) form.elements[first].focus();
}

function remember(saved) {
  const index = state.contacts.findIndex((c) => c.id === saved.id);
  if (index >= 0) state.contacts[index] = saved;
  else state.contacts.push(saved);
  sortContacts();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const body = {
    channel: form.elements.channel.value,
    value: form.elements.value.value.trim(),
    label: form.elements.label.value.trim(),
    is_active: form.elements.is_active.checked,
  };
  if (!body.value) {
    form.querySelector('[data-error-for="value"]').textContent = gettext("Enter the contact.");
    form.elements.value.setAttribute("aria-invalid", "true");
    form.elements.value.focus();
    return;
  }
  saveButton.disabled = true;
  try {
    const editing = state.editing;
    const saved = editing
      ? await api.patch(`official-contacts/${editing.id}/`, body)
      : await api.post("official-contacts/", body);
    remember(saved);
    toast(fmt(editing ? gettext("Saved: %(contact)s") : gettext("Added: %(contact)s"), { contact: displayValue(saved) }));
    openEditor(null);
    if (!editing) form.elements.value.focus();
  } catch (error) {
    showErrors(error);
  } finally {
    saveButton.disabled = false;
  }
});
form.elements.channel.addEventListener("change", syncHint);
cancelButton.addEventListener("click", () => {
  const editing = state.editing;
  openEditor(null);
  rows.querySelector(`tr[data-contact-id="${editing ? editing.id : ""}"] button`)?.focus();
});
filterSelect.addEventListener("change", renderList);
document.getElementById("contact-more").addEventListener("click", () => state.next && loadContacts(pagePath(state.next)));

// --- Active or not, from the row -----------------------------------------------------------------

async function toggleActive(contact) {
  try {
    const saved = await api.patch(`official-contacts/${contact.id}/`, { is_active: !contact.is_active });
    remember(saved);
    if (state.editing && state.editing.id === saved.id) state.editing = saved;
    renderList();
    const text = saved.is_active ? gettext("%(contact)s is official again.") : gettext("%(contact)s is no longer accepted as official.");
    toast(fmt(text, { contact: displayValue(saved) }));
    rows.querySelector(`tr[data-contact-id="${saved.id}"] [data-toggle]`)?.focus();
  } catch (error) {
    replaceChildren(alertBox, h("p", { class: "alert alert-error", text: describeError(error) }));
  }
}

// --- Delete ----------------------------------------------------------------------------------------

function openDelete(contact) {
  state.deleting = contact;
  document.getElementById("contact-delete-text").textContent = fmt(gettext("“%(contact)s” (%(channel)s) will be removed from the list."), {
    contact: displayValue(contact),
    channel: CHANNELS[contact.channel] || contact.channel,
  });
  replaceChildren(document.getElementById("contact-delete-error"));
  deleteDialog.showModal();
}

document.getElementById("contact-delete-confirm").addEventListener("click", async () => {
  const contact = state.deleting;
  if (!contact) return;
  try {
    await request(`official-contacts/${contact.id}/`, { method: "DELETE" });
    state.contacts = state.contacts.filter((c) => c.id !== contact.id);
    if (state.editing && state.editing.id === contact.id) openEditor(null);
    deleteDialog.close();
    renderList();
    toast(fmt(gettext("Deleted: %(contact)s"), { contact: displayValue(contact) }));
  } catch (error) {
    replaceChildren(document.getElementById("contact-delete-error"), h("p", { class: "alert alert-error", text: describeError(error) }));
  }
});
for (const button of deleteDialog.querySelectorAll("[data-close]")) button.addEventListener("click", () => deleteDialog.close());

// --- Start -------------------------------------------------------------------------------------------

setupShortcutsDialog();
syncHint();
await loadContacts();
page.dataset.ready = "true";
