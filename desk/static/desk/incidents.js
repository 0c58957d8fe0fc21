// The incidents page: every incident with its linked tickets' counts (the queue opens on one);
// leads and admins create and edit them, post updates after a preview in both languages, and
// resolve them, optionally solving the linked open tickets. Rules live in incidents.services.

import { api, describeError } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { fmt, formatDateTime } from "/static/portal/i18n.js";
import { toast } from "./common.js";

const page = document.getElementById("incidents-page");
const canManage = page.dataset.canManage === "true";
const list = document.getElementById("incident-list");
const alertBox = document.getElementById("incidents-alert");
const form = document.getElementById("incident-form");
const statusOptions = document.getElementById("status-options").innerHTML;
let incidents = [];

function showError(error) {
  replaceChildren(alertBox, h("div", { class: "alert alert-error" }, h("p", { text: describeError(error) })));
}

function localInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function isoFromInput(value) {
  return value ? new Date(value).toISOString() : null;
}

function splitList(value) {
  return value.split(",").map((part) => part.trim()).filter(Boolean);
}

async function load() {
  try {
    incidents = await api.get("incidents/desk/");
  } catch (error) {
    showError(error);
    return;
  }
  if (!incidents.length) {
    replaceChildren(list, h("p", { class: "muted", text: gettext("No incidents right now.") }));
    return;
  }
  replaceChildren(list, ...incidents.map(renderIncident));
}

function renderIncident(incident) {
  const resolved = incident.status === "resolved";
  const affected = [
    incident.categories.length ? incident.categories.join(", ") : null,
    incident.assets.length ? incident.assets.join(", ") : null,
    incident.networks.length ? incident.networks.join(", ") : null,
  ].filter(Boolean);
  const item = h(
    "article",
    { class: `incident-item${resolved ? " is-resolved" : ""}`, id: `incident-${incident.id}` },
    h("h2", {}, h("span", { text: incident.title }), h("span", { class: "pill pill-plain", text: statusText(incident.status) })),
    h("p", { class: "muted small", text: incident.message }),
    h(
      "div",
      { class: "incident-facts" },
      h(
        "span",
        { class: "incident-counts" },
        h("strong", { text: String(incident.linked_open) }),
        " ",
        fmt(gettext("open of %(total)s linked"), { total: incident.linked_total }),
      ),
      h("span", { text: fmt(gettext("Expected fix: %(time)s"), { time: incident.eta ? formatDateTime(incident.eta) : gettext("not known") }) }),
      h("span", { text: fmt(gettext("Affects: %(what)s"), { what: affected.join(" · ") || gettext("nothing listed (linked by hand only)") }) }),
      h("span", { text: incident.sla_clocks === "pause" ? gettext("SLA clocks paused while linked") : gettext("SLA clocks keep running") }),
    ),
    h(
      "div",
      { class: "incident-buttons" },
      h("a", { class: "btn btn-ghost btn-sm", href: `/desk/?incident=${incident.id}`, text: gettext("Linked tickets in the queue") }),
      canManage && !resolved ? actionButton(gettext("Post update"), () => openAction(item, incident, "update")) : null,
      canManage && !resolved ? actionButton(gettext("Resolve"), () => openAction(item, incident, "resolve")) : null,
      canManage ? actionButton(gettext("Edit"), () => openForm(incident)) : null,
    ),
  );
  return item;
}

function statusText(status) {
  const template = document.createElement("select");
  template.innerHTML = statusOptions;
  const option = [...template.options].find((o) => o.value === status);
  return option ? option.textContent : status;
}

function actionButton(text, onClick) {
  const button = h("button", { type: "button", class: "btn btn-ghost btn-sm", text });
  button.addEventListener("click", onClick);
  return button;
}

function openAction(item, incident, kind) {
  item.querySelector(".incident-actions")?.remove();
  const resolve = kind === "resolve";
  const id = `a-${incident.id}`;
  const status = h("select", { id: `${id}-status` });
  status.innerHTML = statusOptions;
  status.value = incident.status;
  const eta = h("input", { id: `${id}-eta`, type: "datetime-local", value: localInput(incident.eta) });
  const body = h("textarea", { id: `${id}-body`, rows: "3", required: true });
  const bodyZh = h("textarea", { id: `${id}-body-zh`, rows: "3", lang: "zh-Hans" });
  const solve = h("input", { id: `${id}-solve`, type: "checkbox" });
  const preview = h("div", { class: "incident-preview" });
  const box = h(
    "form",
    { class: "incident-actions", novalidate: true },
    h("div", { class: "grid-2" },
      h("div", {}, h("label", { for: body.id, text: gettext("Update (English)") }), body),
      h("div", {}, h("label", { for: bodyZh.id, text: gettext("Update (Simplified Chinese)") }), bodyZh),
      resolve ? null : h("div", {}, h("label", { for: status.id, text: gettext("Status") }), status),
      resolve ? null : h("div", {}, h("label", { for: eta.id, text: gettext("Expected fix") }), eta),
    ),
    resolve
      ? h("p", {}, solve, " ", h("label", { for: solve.id, style: "display:inline", text: fmt(gettext("Solve the %(count)s linked open tickets with this message"), { count: incident.linked_open }) }))
      : null,
    preview,
    h("div", { class: "incident-buttons" },
      actionButton(gettext("Preview"), () => showPreview()),
      h("button", { type: "submit", class: "btn btn-primary btn-sm", text: resolve ? gettext("Resolve and post") : gettext("Post to linked tickets") }),
      actionButton(gettext("Cancel"), () => box.remove()),
    ),
  );
  const payload = () => {
    const data = { body: body.value, body_zh_hans: bodyZh.value };
    if (!resolve) {
      data.status = status.value;
      data.eta = isoFromInput(eta.value);
    }
    return data;
  };
  async function showPreview() {
    try {
      const shown = await api.post(`/api/v1/incidents/${incident.id}/preview/`, { ...payload(), ...(resolve ? { status: "resolved" } : {}) });
      replaceChildren(
        preview,
        h("div", {}, h("strong", { text: "English" }), h("pre", { text: shown.en })),
        h("div", {}, h("strong", { text: "简体中文" }), h("pre", { text: shown.zh_hans })),
        h("p", { class: "muted small", text: fmt(gettext("Goes to %(count)s linked tickets."), { count: shown.linked_tickets }) }),
      );
    } catch (error) {
      showError(error);
    }
  }
  box.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const path = resolve ? `/api/v1/incidents/${incident.id}/resolve/` : `/api/v1/incidents/${incident.id}/updates/`;
      await api.post(path, resolve ? { ...payload(), solve_tickets: solve.checked } : payload());
      toast(gettext("Posted. Linked tickets get it in the background."));
      await load();
    } catch (error) {
      showError(error);
    }
  });
  item.append(box);
  body.focus();
}

function openForm(incident = null) {
  if (!form) return;
  form.hidden = false;
  form.reset();
  document.getElementById("incident-form-title").textContent = incident ? gettext("Edit incident") : gettext("New incident");
  form.elements.id.value = incident ? incident.id : "";
  if (incident) {
    for (const name of ["title", "title_zh_hans", "message", "message_zh_hans", "advice", "advice_zh_hans", "sla_clocks"]) {
      form.elements[name].value = incident[name] || "";
    }
    form.elements.assets.value = incident.assets.join(", ");
    form.elements.networks.value = incident.networks.join(", ");
    form.elements.eta.value = localInput(incident.eta);
    for (const option of form.elements.categories.options) option.selected = incident.categories.includes(option.value);
  }
  form.elements.title.focus();
}

if (form) {
  document.getElementById("new-incident").addEventListener("click", () => openForm());
  document.getElementById("incident-cancel").addEventListener("click", () => { form.hidden = true; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const e = form.elements;
    const data = {
      title: e.title.value,
      title_zh_hans: e.title_zh_hans.value,
      message: e.message.value,
      message_zh_hans: e.message_zh_hans.value,
      advice: e.advice.value,
      advice_zh_hans: e.advice_zh_hans.value,
      sla_clocks: e.sla_clocks.value,
      categories: [...e.categories.selectedOptions].map((o) => o.value),
      assets: splitList(e.assets.value),
      networks: splitList(e.networks.value),
      eta: isoFromInput(e.eta.value),
    };
    try {
      if (e.id.value) await api.patch(`/api/v1/incidents/${e.id.value}/`, data);
      else await api.post("/api/v1/incidents/", data);
      form.hidden = true;
      toast(gettext("Saved."));
      await load();
    } catch (error) {
      showError(error);
    }
  });
}

load();
