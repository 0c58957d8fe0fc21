// The desk header's availability control: an agent sets themselves available for automatic
// assignment, or away (PATCH agents/me/). Leads and admins also get the team's list with a
// "reassign open tickets" button per agent (POST agents/{id}/reassign/): going away never hands
// tickets back by itself, a lead decides.

import { api, describeError, results } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { fmt } from "/static/portal/i18n.js";
import { toast } from "./common.js";

const control = document.getElementById("availability");
const toggle = document.getElementById("availability-toggle");
const teamButton = document.getElementById("team-availability-button");
const dialog = document.getElementById("team-availability");

function show(available) {
  control.dataset.available = String(available);
  toggle.setAttribute("aria-pressed", String(available));
  toggle.textContent = available ? gettext("Available") : gettext("Away");
  toggle.title = available
    ? gettext("New tickets may be assigned to you. Click to go away.")
    : gettext("No new tickets are assigned to you. Click to become available.");
}

async function start() {
  if (!control) return;
  let me;
  try {
    me = await api.get("agents/me/");
  } catch {
    return; // not staff, or offline: no control
  }
  control.hidden = false;
  show(me.available);
  toggle.addEventListener("click", async () => {
    toggle.disabled = true;
    try {
      const answer = await api.patch("/api/v1/agents/me/", { available: toggle.getAttribute("aria-pressed") !== "true" });
      show(answer.available);
      toast(answer.available ? gettext("You are available for new tickets.") : gettext("You are away: no new tickets are assigned to you."));
    } catch (error) {
      toast(describeError(error));
    } finally {
      toggle.disabled = false;
    }
  });
  if (["lead", "admin"].includes(me.role) && teamButton && dialog) {
    teamButton.hidden = false;
    teamButton.addEventListener("click", openTeam);
    dialog.querySelector("[data-close]")?.addEventListener("click", () => dialog.close());
  }
}

async function reassign(agent, target, button) {
  button.disabled = true;
  try {
    const outcome = await api.post(`agents/${agent.id}/reassign/`, { assignee: target === "" ? null : Number(target) });
    const done = outcome.filter((row) => row.ok).length;
    const refused = outcome.length - done;
    toast(
      refused
        ? fmt(gettext("%(done)s tickets reassigned, %(refused)s refused."), { done, refused })
        : fmt(ngettext("%(done)s ticket reassigned.", "%(done)s tickets reassigned.", done), { done }),
    );
  } catch (error) {
    toast(describeError(error));
  } finally {
    button.disabled = false;
  }
}

async function openTeam() {
  const body = dialog.querySelector("tbody");
  replaceChildren(body, h("tr", {}, h("td", { colspan: "4", text: gettext("Loading…") })));
  dialog.showModal();
  let agents;
  try {
    agents = results(await api.get("agents/"));
  } catch (error) {
    replaceChildren(body, h("tr", {}, h("td", { colspan: "4", text: describeError(error) })));
    return;
  }
  replaceChildren(
    body,
    ...agents.map((agent) => {
      const target = h(
        "select",
        { "aria-label": fmt(gettext("Give %(name)s's open tickets to"), { name: agent.name }) },
        h("option", { value: "", text: gettext("Back to the queue") }),
        ...agents.filter((other) => other.id !== agent.id).map((other) => h("option", { value: String(other.id), text: other.name })),
      );
      const button = h("button", { type: "button", class: "btn btn-secondary btn-sm", dataset: { reassign: String(agent.id) }, text: gettext("Reassign open tickets") });
      button.addEventListener("click", () => reassign(agent, target.value, button));
      return h(
        "tr",
        { dataset: { agentId: String(agent.id) } },
        h("td", { text: agent.name }),
        h("td", { text: (agent.teams || []).join(", ") }),
        h("td", {}, h("span", { class: `pill ${agent.available ? "status-open" : "status-closed"}`, text: agent.available ? gettext("Available") : gettext("Away") })),
        h("td", {}, target, " ", button),
      );
    }),
  );
}

start();
