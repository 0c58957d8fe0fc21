// The incident card of the ticket workspace (incidents, issue 13): the known problem the ticket is
// linked to (from the ticket detail's `incident`: title, status, ETA, the rule that linked it), a
// link to the desk's incident page, and "Unlink"; when it is not linked, "Link to incident…"
// among the active incidents. Data: GET incidents/?active=true, POST incidents/{id}/links/,
// POST incidents/unlink/.

import { api, describeError } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { fmt, formatDateTime, formatRelative } from "/static/portal/i18n.js";
import { toast } from "./common.js";

const el = (id) => document.getElementById(id);

function setMessage(target, text) {
  target.textContent = text || "";
  target.className = `field-message${text ? " is-error" : ""}`;
}

function statusPill(status, label) {
  return h("span", { class: `pill pill-incident pill-incident-${status}`, text: label || status });
}

/** The incident card. `getTicket` gives the ticket as last loaded; `onTicket` is called with the
 * ticket's detail after a link or unlink. */
export function setupIncidentCard({ base, reference, getTicket, onTicket }) {
  const panel = el("incident-panel");
  const content = el("incident-body");
  const pageUrl = panel.dataset.incidentsUrl || "/desk/incidents/";
  const dialog = el("incident-dialog");
  const form = el("incident-form");
  const list = el("incident-choices");
  const message = el("incident-msg");
  const submit = el("incident-submit");
  let busy = false;

  async function reload() {
    await onTicket(await api.get(base));
  }

  async function unlink(incident) {
    const question = fmt(gettext("Unlink this ticket from “%(title)s”? It no longer gets the incident's updates; paused SLA clocks start again."), {
      title: incident.title,
    });
    if (!window.confirm(question)) return;
    const button = el("incident-unlink");
    button.disabled = true;
    try {
      const result = await api.post("incidents/unlink/", { reference });
      if (!result.ok) toast(gettext("The ticket was not linked any more."));
      else toast(gettext("Unlinked from the incident."));
      await reload();
    } catch (error) {
      button.disabled = false;
      setMessage(el("incident-card-msg"), describeError(error));
    }
  }

  function render() {
    const t = getTicket();
    if (!t) return;
    const incident = t.incident;
    panel.dataset.state = incident ? "linked" : "none";
    if (!incident) {
      replaceChildren(
        content,
        h("p", { class: "muted small", text: gettext("Not linked to an incident.") }),
        h(
          "div",
          { class: "incident-card-actions" },
          t.status === "closed"
            ? null
            : h("button", { type: "button", class: "btn btn-secondary btn-sm", id: "incident-link", "aria-haspopup": "dialog", text: gettext("Link to incident…"), on: { click: open } }),
          h("a", { href: pageUrl, class: "small", text: gettext("All incidents") }),
        ),
        h("p", { class: "field-message", id: "incident-card-msg", "aria-live": "polite" }),
      );
      return;
    }
    const latest = incident.latest_update;
    const rows = [
      [gettext("Status"), statusPill(incident.status, incident.status_label)],
      [gettext("ETA"), incident.eta ? formatDateTime(incident.eta) : gettext("No ETA yet")],
      [gettext("Linked by"), incident.rule_label || incident.rule || "—"],
    ];
    if (incident.linked_at) rows.push([gettext("Linked"), formatDateTime(incident.linked_at)]);
    replaceChildren(
      content,
      h("p", { class: "incident-card-title" }, h("strong", { text: incident.title })),
      h("dl", { class: "kv" }, ...rows.map(([label, value]) => h("div", {}, h("dt", { text: label }), h("dd", {}, value)))),
      latest
        ? h(
            "p",
            { class: "incident-card-update small" },
            h("span", { class: "muted", text: fmt(gettext("Latest update, %(when)s:"), { when: formatRelative(latest.created_at) }) }),
            " ",
            h("span", { text: latest.body }),
          )
        : null,
      h(
        "div",
        { class: "incident-card-actions" },
        h("a", { href: pageUrl, class: "small", text: gettext("Open the incidents page") }),
        h("button", { type: "button", class: "btn btn-ghost btn-sm", id: "incident-unlink", text: gettext("Unlink"), on: { click: () => unlink(incident) } }),
      ),
      h("p", { class: "field-message", id: "incident-card-msg", "aria-live": "polite" }),
    );
  }

  // --- "Link to incident…": one of the active incidents ---

  async function open() {
    setMessage(message, "");
    replaceChildren(list, h("li", { class: "muted small", text: gettext("Loading…") }));
    submit.disabled = true;
    dialog.showModal();
    let incidents;
    try {
      incidents = await api.get("incidents/", { active: "true" });
    } catch (error) {
      replaceChildren(list);
      setMessage(message, describeError(error));
      return;
    }
    if (!incidents.length) {
      replaceChildren(list, h("li", { class: "muted small", text: gettext("There is no active incident.") }));
      return;
    }
    replaceChildren(
      list,
      ...incidents.map((incident, index) =>
        h(
          "li",
          {},
          h("input", { type: "radio", name: "incident", id: `incident-choice-${incident.id}`, value: String(incident.id), checked: incidents.length === 1 && index === 0 }),
          h(
            "label",
            { for: `incident-choice-${incident.id}` },
            h("strong", { text: incident.title }),
            " ",
            statusPill(incident.status, incident.status_label),
            h("span", { class: "muted small incident-choice-eta", text: incident.eta ? fmt(gettext("ETA %(time)s"), { time: formatDateTime(incident.eta) }) : gettext("No ETA yet") }),
          ),
        ),
      ),
    );
    submit.disabled = false;
    list.querySelector("input")?.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const chosen = list.querySelector("input[name=incident]:checked");
    if (!chosen) {
      setMessage(message, gettext("Choose an incident."));
      return;
    }
    busy = true;
    submit.disabled = true;
    setMessage(message, "");
    try {
      const [result] = await api.post(`incidents/${chosen.value}/links/`, { references: [reference] });
      if (result && !result.ok) {
        setMessage(message, result.error || gettext("This ticket could not be linked."));
        return;
      }
      dialog.close();
      toast(gettext("Linked to the incident."));
      await reload();
    } catch (error) {
      setMessage(message, describeError(error));
    } finally {
      busy = false;
      submit.disabled = false;
    }
  });
  for (const button of dialog.querySelectorAll("[data-close]")) button.addEventListener("click", () => dialog.close());

  return { render };
}
