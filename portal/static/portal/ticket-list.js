// My tickets: status, whose move it is, the SLA promise and the last update.

import { api, describeError, pagePath, results } from "./api.js";
import { fmt, formatDateTime, formatPromise, formatRelative, waitingOnLabel } from "./i18n.js";
import { announce, errorAlert, h, icon, replaceChildren, statusPill } from "./dom.js";

const root = document.getElementById("ticket-list-root");
const moreButton = document.getElementById("load-more");
const status = document.getElementById("list-status");
const tabs = document.querySelectorAll("[data-filter]");

const state = { tickets: [], next: null, filter: "active", categories: {} };
const DONE = new Set(["solved", "closed"]);

function promiseText(ticket) {
  const sla = ticket.sla || {};
  if (DONE.has(ticket.status)) {
    const when = ticket.solved_at || ticket.closed_at;
    return when ? fmt(gettext("Solved %(when)s"), { when: formatRelative(when) }) : "";
  }
  if (ticket.waiting_on === "customer") return gettext("Our clock is paused until you reply");
  if (sla.first_response_due && !ticket.first_response_at) {
    if (new Date(sla.first_response_due) < new Date()) {
      return fmt(gettext("Answer overdue since %(time)s — you're at the front of the queue"), { time: formatPromise(sla.first_response_due) });
    }
    return fmt(gettext("A person will answer by %(time)s"), { time: formatPromise(sla.first_response_due) });
  }
  if (sla.resolution_due) return fmt(gettext("Target resolution by %(time)s"), { time: formatPromise(sla.resolution_due) });
  return ticket.first_response_at ? gettext("Answered") : "";
}

function ticketRow(ticket) {
  const href = `/tickets/${encodeURIComponent(ticket.reference)}/`;
  const move = ticket.waiting_on === "customer" ? "customer" : ticket.waiting_on === "agent" ? "agent" : "done";
  const categoryName = state.categories[ticket.category] || "";
  return h(
    "li",
    { class: "ticket-row" },
    h(
      "div",
      {},
      h("h2", {}, h("a", { href, text: ticket.subject || ticket.reference })),
      h(
        "div",
        { class: "ticket-main-meta" },
        statusPill(ticket.status),
        h("span", { class: "ref", text: ticket.reference }),
        categoryName ? h("span", { text: categoryName }) : null,
      ),
    ),
    h(
      "div",
      { class: "ticket-move" },
      h("strong", { class: `move-${move}`, text: waitingOnLabel(ticket.waiting_on) }),
      h("span", { class: "muted small", text: promiseText(ticket) }),
    ),
    h(
      "div",
      { class: "ticket-when" },
      h("strong", {}, h("time", { datetime: ticket.updated_at, title: formatDateTime(ticket.updated_at), text: formatRelative(ticket.updated_at) })),
      h("span", { text: fmt(gettext("Updated %(time)s"), { time: formatDateTime(ticket.updated_at) }) }),
    ),
  );
}

function visible() {
  if (state.filter === "all") return state.tickets;
  if (state.filter === "done") return state.tickets.filter((t) => DONE.has(t.status));
  return state.tickets.filter((t) => !DONE.has(t.status));
}

function render() {
  const tickets = visible();
  moreButton.hidden = !state.next;
  if (state.tickets.length === 0) {
    replaceChildren(
      root,
      h(
        "div",
        { class: "card empty-state" },
        icon("chat", 40),
        h("h2", { text: gettext("No tickets yet") }),
        h("p", { text: gettext("When you contact support, your tickets appear here with their status and our reply deadline.") }),
        h("a", { class: "btn btn-primary", href: "/tickets/new/", text: gettext("File a ticket") }),
      ),
    );
    return;
  }
  if (tickets.length === 0) {
    replaceChildren(
      root,
      h("div", { class: "card empty-state" }, h("p", { class: "mb-0", text: state.filter === "done" ? gettext("No solved or closed tickets.") : gettext("No active tickets. Everything is answered.") })),
    );
    return;
  }
  replaceChildren(root, h("ul", { class: "ticket-list" }, ...tickets.map(ticketRow)));
}

async function loadPage(url) {
  const data = url ? await api.get(pagePath(url)) : await api.get("tickets/");
  state.tickets.push(...results(data));
  state.next = data && data.next ? data.next : null;
}

async function start() {
  try {
    const [categories] = await Promise.allSettled([api.get("categories/"), loadPage(null)]).then((outcomes) => {
      if (outcomes[1].status === "rejected") throw outcomes[1].reason;
      return [outcomes[0].status === "fulfilled" ? results(outcomes[0].value) : []];
    });
    for (const category of categories) state.categories[category.code] = category.name;
    // With no active ticket, show the history instead of an empty list.
    if (state.tickets.length && state.tickets.every((t) => DONE.has(t.status))) setFilter("all", false);
    render();
    announce(status, fmt(ngettext("%(count)s ticket loaded.", "%(count)s tickets loaded.", state.tickets.length), { count: state.tickets.length }));
  } catch (error) {
    replaceChildren(root, errorAlert(describeError(error), { title: gettext("We couldn't load your tickets.") }));
  } finally {
    root.removeAttribute("aria-busy");
  }
}

function setFilter(filter, rerender = true) {
  state.filter = filter;
  for (const tab of tabs) tab.setAttribute("aria-pressed", String(tab.dataset.filter === filter));
  if (rerender) {
    render();
    announce(status, fmt(ngettext("%(count)s ticket shown.", "%(count)s tickets shown.", visible().length), { count: visible().length }));
  }
}

for (const tab of tabs) tab.addEventListener("click", () => setFilter(tab.dataset.filter));

moreButton.addEventListener("click", async () => {
  moreButton.disabled = true;
  try {
    await loadPage(state.next);
    render();
  } catch (error) {
    announce(status, describeError(error));
  } finally {
    moreButton.disabled = false;
  }
});

start();
