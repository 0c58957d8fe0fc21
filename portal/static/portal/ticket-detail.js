// One ticket: status, the SLA promise with a live countdown, queue position, conversation,
// timeline, evidence (with SHA-256), export, reply, rate or reopen. Works for a logged-in
// customer and for a guest holding a mailed link (Authorization: Guest <token>).
// Polls every 20 s so an agent's reply appears without a reload.

import { api, describeError, fetchBlob, results, setGuestToken } from "./api.js";
import {
  fieldLabel,
  fmt,
  formatBytes,
  formatDateTime,
  formatDuration,
  formatPromise,
  formatRelative,
  statusLabel,
  waitingOnLabel,
} from "./i18n.js";
import {
  absoluteTime,
  announce,
  busy,
  clear,
  copyButton,
  errorAlert,
  h,
  icon,
  incidentCard,
  priorityPill,
  replaceChildren,
  statusPill,
  toast,
} from "./dom.js";
import { Uploader } from "./uploader.js";

const POLL_MS = 20000;
const root = document.getElementById("ticket-root");
const GUEST_KEY = "desk.guest-link";
const isGuestPage = root.dataset.guest === "true";

/** A guest's secret arrives in the URL fragment (`/guest/#k=…`), which browsers never send to a
 * server. It is kept for this tab only and wiped from the address bar, history and bookmarks. */
function readGuestSecret() {
  if (!isGuestPage) return "";
  const params = new URLSearchParams(window.location.hash.slice(1));
  const fromLink = params.get("k");
  if (fromLink) {
    try {
      sessionStorage.setItem(GUEST_KEY, fromLink);
    } catch {
      /* private mode: the secret lives in this page only */
    }
    const anchor = params.get("to") === "rate" ? "#rate" : "";
    history.replaceState(null, "", window.location.pathname + anchor);
    return fromLink;
  }
  try {
    return sessionStorage.getItem(GUEST_KEY) || "";
  } catch {
    return "";
  }
}

const guestToken = readGuestSecret();
const $ = (id) => document.getElementById(id);

const state = {
  reference: root.dataset.reference || "",
  ticket: null,
  networks: {},
  categories: {},
  messageIds: null,
  ratingKey: null,
  countdownTimer: null,
  pollTimer: null,
  loading: false,
};

const base = () => `tickets/${encodeURIComponent(state.reference)}/`;

// ---------- Small renderers ----------
function safeExplorerUrl(template, key, value) {
  if (!template || !value) return null;
  const url = template.replace(`{${key}}`, encodeURIComponent(value));
  return /^https:\/\//i.test(url) ? url : null;
}

function explorerLink(text, url) {
  if (!url) return h("span", { class: "mono", text });
  return h(
    "a",
    { href: url, target: "_blank", rel: "noopener noreferrer", class: "mono" },
    text,
    " ",
    icon("external", 14),
    h("span", { class: "visually-hidden", text: gettext("(opens the block explorer in a new tab)") }),
  );
}

function renderHead(ticket) {
  document.title = `${ticket.reference} · ${ticket.subject} · ${gettext("Exchange Support")}`;
  $("crumb-reference").textContent = ticket.reference;
  $("crumb-reference-item").hidden = false;
  replaceChildren(
    $("ticket-badges"),
    statusPill(ticket.status),
    priorityPill(ticket.priority),
    ticket.is_complaint ? h("span", { class: "pill pill-plain pill-priority-high", text: gettext("Formal complaint") }) : null,
  );
  $("ticket-subject").textContent = ticket.subject;
  replaceChildren(
    $("ref-line"),
    h("span", { text: gettext("Reference") }),
    h("span", { class: "ref-code", text: ticket.reference }),
    copyButton(ticket.reference, gettext("Copy the reference")),
    h("span", {}, fmt(gettext("Filed %(time)s"), { time: formatDateTime(ticket.created_at) })),
  );
  const move = ticket.waiting_on === "customer" ? "customer" : ticket.waiting_on === "agent" ? "agent" : "done";
  const moveIcon = move === "customer" ? "chat" : move === "agent" ? "user" : "checkCircle";
  const banner = h("div", { class: `move-banner move-${move}` }, icon(moveIcon, 20), h("span", { text: waitingOnLabel(ticket.waiting_on) }));
  if (move === "customer") {
    banner.append(h("a", { href: "#reply-body", class: "btn btn-sm btn-secondary", style: "margin-left:auto", text: gettext("Reply now") }));
  }
  const extras = [banner];
  if (ticket.possible_duplicate_of) {
    extras.push(
      h(
        "p",
        { class: "small muted mb-0" },
        gettext("This may be about the same problem as"),
        " ",
        guestToken ? h("span", { class: "mono", text: ticket.possible_duplicate_of }) : h("a", { class: "mono", href: `/tickets/${encodeURIComponent(ticket.possible_duplicate_of)}/`, text: ticket.possible_duplicate_of }),
      ),
    );
  }
  if (ticket.merged_into) {
    // A merged duplicate (guests see it; a logged-in customer is taken to the main ticket).
    extras.push(
      h(
        "p",
        { class: "alert alert-info mb-0", role: "status" },
        fmt(gettext("This ticket was combined with ticket %(reference)s; the conversation continues there."), { reference: ticket.merged_into }),
        " ",
        guestToken ? null : h("a", { class: "mono", href: `/tickets/${encodeURIComponent(ticket.merged_into)}/`, text: gettext("Go to that ticket") }),
      ),
    );
  }
  replaceChildren($("move-banner"), ...extras);
}

/** The tickets merged into this one: their conversations, read where they are (not moved). */
function renderMergedFrom(ticket) {
  let box = document.getElementById("merged-from");
  const merged = ticket.merged_from || [];
  if (!merged.length) {
    if (box) box.remove();
    return;
  }
  if (!box) {
    box = h("div", { id: "merged-from", class: "merged-from" });
    $("messages").after(box);
  }
  replaceChildren(
    box,
    ...merged.map((conversation) =>
      h(
        "section",
        { class: "merged-conversation", "aria-label": fmt(gettext("Merged from %(reference)s"), { reference: conversation.reference }) },
        h("h3", { class: "merged-title" }, fmt(gettext("Merged from %(reference)s"), { reference: conversation.reference }), " · ", h("span", { class: "muted", text: conversation.subject })),
        h(
          "ol",
          { class: "conversation" },
          ...(conversation.messages || []).map((m) => {
            const role = m.author && m.author.role === "agent" ? "agent" : "customer";
            const name = role === "customer" ? gettext("You") : (m.author && m.author.name) || gettext("Exchange Support");
            return h(
              "li",
              { class: `msg msg-${m.kind === "system" ? "system" : role}` },
              h("div", { class: "msg-head" }, h("span", { class: "msg-author", text: name }), h("time", { datetime: m.created_at, text: formatDateTime(m.created_at) })),
              h("div", { class: "msg-body", text: m.body }),
            );
          }),
        ),
        (conversation.attachments || []).length
          ? h(
              "ul",
              { class: "attachment-list" },
              ...conversation.attachments.map((file) => h("li", {}, h("span", { text: file.name }), " ", h("span", { class: "mono small muted", text: `SHA-256 ${file.sha256}` }))),
            )
          : null,
      ),
    ),
  );
}

function tickCountdown() {
  const target = $("countdown");
  if (!target) return;
  const due = new Date(target.dataset.due).getTime();
  const remaining = due - Date.now();
  target.textContent =
    remaining >= 0
      ? fmt(gettext("in %(duration)s"), { duration: formatDuration(remaining) })
      : fmt(gettext("overdue by %(duration)s"), { duration: formatDuration(-remaining) });
  const promise = $("promise");
  if (remaining < 0 && !promise.classList.contains("is-late")) renderPromise(state.ticket);
}

function renderPromise(ticket) {
  const promise = $("promise");
  const body = $("promise-body");
  const sla = ticket.sla || {};
  const queue = ticket.queue || {};
  promise.classList.remove("is-late", "is-done", "is-paused");
  $("promise-title").textContent = ["solved", "closed"].includes(ticket.status) ? gettext("Outcome") : gettext("Our promise");
  clearInterval(state.countdownTimer);
  const parts = [];
  const due = sla.first_response_due ? new Date(sla.first_response_due) : null;

  if (ticket.status === "solved" || ticket.status === "closed") {
    promise.classList.add("is-done");
    const when = ticket.status === "solved" ? ticket.solved_at : ticket.closed_at || ticket.solved_at;
    parts.push(
      h("p", { class: "promise-main", text: ticket.status === "solved" ? gettext("Solved") : gettext("Closed") }),
      when ? h("p", { class: "promise-sub", text: formatDateTime(when) }) : null,
      ticket.status === "solved" ? h("p", { class: "promise-sub", text: gettext("Not solved for you? You can reopen it.") }) : null,
    );
  } else if (ticket.status === "pending_customer") {
    promise.classList.add("is-paused");
    parts.push(
      h("p", { class: "promise-main", text: gettext("We're waiting for your reply") }),
      h("p", { class: "promise-sub", text: gettext("Our clock is paused until you answer. Reply below and it starts again.") }),
    );
  } else if (due && !ticket.first_response_at) {
    const late = due.getTime() < Date.now();
    if (late) promise.classList.add("is-late");
    parts.push(
      h(
        "p",
        { class: "promise-main" },
        late
          ? fmt(gettext("A person should have answered by %(time)s. We're late, sorry."), { time: formatPromise(due) })
          : fmt(gettext("A person will answer by %(time)s"), { time: formatPromise(due) }),
      ),
      h("p", { class: "countdown", id: "countdown", role: "timer", "aria-live": "off", dataset: { due: due.toISOString() } }),
      h(
        "p",
        { class: "promise-sub", text: late ? gettext("Your ticket stays at the front of the queue until someone answers.") : gettext("A real person, not a bot. You'll get an e-mail when they reply.") },
      ),
    );
    state.countdownTimer = setInterval(tickCountdown, 1000);
  } else if (ticket.first_response_at) {
    parts.push(
      h("p", { class: "promise-main", text: gettext("Answered") }),
      h("p", { class: "promise-sub", text: fmt(gettext("A person first answered %(time)s."), { time: formatDateTime(ticket.first_response_at) }) }),
    );
  } else {
    parts.push(h("p", { class: "promise-main", text: gettext("A person will answer as soon as possible") }));
  }

  const facts = [];
  const fact = (label, valueNode) => facts.push(h("div", {}, h("dt", { text: label }), h("dd", {}, valueNode)));
  const open = !["solved", "closed"].includes(ticket.status);
  if (open && queue.position) fact(gettext("Place in queue"), fmt(gettext("#%(position)s"), { position: queue.position }));
  if (open && !ticket.first_response_at && queue.estimated_first_response_at) {
    const eta = new Date(queue.estimated_first_response_at);
    fact(
      gettext("Estimated first answer"),
      h("time", { datetime: eta.toISOString(), title: formatPromise(eta), text: eta > new Date() ? fmt(gettext("about %(time)s"), { time: formatPromise(eta) }) : gettext("any moment now") }),
    );
  }
  if (open && sla.resolution_due) {
    fact(gettext("Target resolution"), h("time", { datetime: sla.resolution_due, text: formatPromise(sla.resolution_due) }));
  }
  if (facts.length) parts.push(h("dl", { class: "promise-facts" }, ...facts));
  replaceChildren(body, ...parts);
  tickCountdown();
}

function renderMessages(ticket, { announceNew }) {
  const messages = (ticket.messages || []).filter((m) => !m.internal);
  const ids = messages.map((m) => m.id).join(",");
  if (ids === state.messageIds) return;
  const previous = state.messageIds === null ? null : new Set(state.messageIds.split(","));
  state.messageIds = ids;
  const list = $("messages");
  if (messages.length === 0) {
    replaceChildren(list, h("li", { class: "muted", text: gettext("No messages yet.") }));
    return;
  }
  replaceChildren(
    list,
    ...messages.map((m) => {
      const role = m.author && m.author.role === "agent" ? "agent" : "customer";
      const system = m.kind && !["public", "reply", "message"].includes(m.kind);
      const kind = system ? "system" : role;
      const name =
        role === "customer"
          ? gettext("You")
          : m.author && m.author.name
            ? m.author.name
            : gettext("Exchange Support");
      return h(
        "li",
        { class: `msg msg-${kind}`, id: `message-${m.id}` },
        h(
          "div",
          { class: "msg-head" },
          h("span", { class: "msg-author", text: name }),
          role === "agent" ? h("span", { class: "msg-badge", text: gettext("Support") }) : null,
          h("time", { datetime: m.created_at, title: formatDateTime(m.created_at), text: formatDateTime(m.created_at) }),
        ),
        // Messages are plain text: textContent keeps any HTML inert; CSS keeps the line breaks.
        h("div", { class: "msg-body", text: m.body }),
      );
    }),
  );
  if (announceNew && previous) {
    const fresh = messages.filter((m) => !previous.has(String(m.id)) && m.author && m.author.role === "agent");
    if (fresh.length) {
      const text = gettext("New reply from support.");
      announce($("conversation-status"), text);
      toast(text);
    }
  }
}

function renderReplyForm(ticket) {
  const closed = ticket.status === "closed";
  $("reply-form").hidden = closed;
  $("reply-closed").hidden = !closed;
  $("evidence-upload").hidden = closed;
  const hint = $("reply-hint");
  if (ticket.status === "solved") hint.textContent = gettext("Replying reopens your ticket.");
  else if (ticket.status === "pending_customer") hint.textContent = gettext("We need your answer to continue.");
  else hint.textContent = gettext("Add anything new. We'll see it right away.");
}

function renderTimeline(ticket) {
  const entries = [...(ticket.timeline || [])].sort((a, b) => new Date(b.at) - new Date(a.at));
  if (!entries.length) {
    replaceChildren($("timeline"), h("li", { class: "muted", text: gettext("Nothing yet.") }));
    return;
  }
  replaceChildren(
    $("timeline"),
    ...entries.map((entry) =>
      h(
        "li",
        { dataset: { kind: entry.kind || "" } },
        h("span", { class: "tl-text", text: entry.text }),
        h("time", { datetime: entry.at, title: formatDateTime(entry.at), text: `${formatDateTime(entry.at)} · ${formatRelative(entry.at)}` }),
      ),
    ),
  );
}

function renderDetails(ticket) {
  const network = state.networks[ticket.network];
  const rows = [];
  const add = (label, node) => rows.push(h("dt", { text: label }), h("dd", {}, node));
  add(gettext("Topic"), state.categories[ticket.category] || ticket.category || "");
  add(gettext("Status"), statusLabel(ticket.status));
  if (ticket.network) add(fieldLabel("network"), network && network.name ? network.name : ticket.network);
  if (ticket.asset) add(fieldLabel("asset"), ticket.asset);
  if (ticket.amount) add(fieldLabel("amount"), ticket.asset ? `${ticket.amount} ${ticket.asset}` : ticket.amount);
  if (ticket.txid) {
    add(fieldLabel("txid"), explorerLink(ticket.txid, network && network.explorer ? safeExplorerUrl(network.explorer.tx, "txid", ticket.txid) : null));
  }
  if (ticket.address) {
    add(
      fieldLabel("address"),
      explorerLink(ticket.address, network && network.explorer ? safeExplorerUrl(network.explorer.address, "address", ticket.address) : null),
    );
  }
  if (ticket.memo) add(network && network.memo && network.memo.name ? network.memo.name : fieldLabel("memo"), h("span", { class: "mono", text: ticket.memo }));
  if (ticket.order_id) add(fieldLabel("order_id"), h("span", { class: "mono", text: ticket.order_id }));
  add(gettext("Filed"), absoluteTime(ticket.created_at));
  add(gettext("Last update"), h("time", { datetime: ticket.updated_at, title: formatDateTime(ticket.updated_at), text: formatRelative(ticket.updated_at) }));
  replaceChildren($("details"), ...rows);
}

async function downloadWithHeader(url, filename) {
  try {
    const blob = await fetchBlob(url);
    const href = URL.createObjectURL(blob);
    const a = h("a", { href, download: filename || "" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 10000);
  } catch (error) {
    toast(describeError(error));
  }
}

function renderAttachments(ticket) {
  const list = $("attachments");
  const attachments = ticket.attachments || [];
  if (!attachments.length) {
    replaceChildren(list, h("li", { class: "muted small", text: gettext("No files yet.") }));
    return;
  }
  replaceChildren(
    list,
    ...attachments.map((file) => {
      const link = guestToken
        ? h("button", { type: "button", class: "link-button", text: file.name, on: { click: () => downloadWithHeader(file.url, file.name) } })
        : h("a", { href: file.url, download: file.name, text: file.name });
      return h(
        "li",
        {},
        icon("paperclip", 16),
        " ",
        link,
        h("div", { class: "attachment-meta" }, `${formatBytes(file.size)} · ${formatDateTime(file.created_at)}`),
        h("span", { class: "sha", title: file.sha256 }, "SHA-256: ", file.sha256),
      );
    }),
  );
}

// ---------- Rating and reopen ----------
function ratingCaption(value) {
  const captions = {
    1: gettext("1 of 5 — Very poor"),
    2: gettext("2 of 5 — Poor"),
    3: gettext("3 of 5 — OK"),
    4: gettext("4 of 5 — Good"),
    5: gettext("5 of 5 — Excellent"),
  };
  return captions[value] || "";
}

function reopenButton() {
  const button = h("button", { type: "button", class: "btn btn-danger-outline", text: gettext("Not solved? Reopen the ticket") });
  button.addEventListener("click", () =>
    busy(
      button,
      async () => {
        try {
          await api.post(`${base()}reopen/`, {});
          announce($("conversation-status"), gettext("Your ticket is open again. A person will look at it."));
          toast(gettext("Ticket reopened"));
          state.ratingKey = null;
          await load({ quiet: true });
        } catch (error) {
          toast(describeError(error));
        }
      },
      gettext("Reopening…"),
    ),
  );
  return button;
}

function renderRating(ticket) {
  const card = $("rating-card");
  const satisfaction = ticket.satisfaction;
  const key = `${ticket.status}|${satisfaction ? satisfaction.rating : ""}`;
  if (key === state.ratingKey) return;
  state.ratingKey = key;
  if (!["solved", "closed"].includes(ticket.status) && !satisfaction) {
    card.hidden = true;
    clear(card);
    return;
  }
  card.hidden = false;
  if (satisfaction) {
    const stars = "★".repeat(satisfaction.rating) + "☆".repeat(5 - satisfaction.rating);
    replaceChildren(
      card,
      h("h2", { id: "rating-title", text: gettext("Your rating") }),
      h("p", {}, h("span", { class: "star-display", "aria-hidden": "true", text: stars }), " ", h("span", { text: ratingCaption(satisfaction.rating) })),
      satisfaction.comment ? h("blockquote", { class: "msg-body", text: satisfaction.comment }) : null,
      h("p", { class: "muted small", text: gettext("Thank you. Your feedback goes to the team lead.") }),
      ticket.status === "solved" ? reopenButton() : null,
    );
    return;
  }
  if (ticket.status === "closed") {
    card.hidden = true;
    clear(card);
    return;
  }
  const caption = h("p", { class: "rating-caption", id: "rating-caption", "aria-live": "polite" });
  const stars = h("div", { class: "stars" });
  for (let value = 5; value >= 1; value -= 1) {
    const input = h("input", { type: "radio", name: "rating", id: `rating-${value}`, value: String(value) });
    input.addEventListener("change", () => {
      caption.textContent = ratingCaption(value);
      message.textContent = "";
    });
    const star = icon("star", 34, { filled: true });
    stars.append(input, h("label", { for: `rating-${value}` }, star, h("span", { class: "visually-hidden", text: ratingCaption(value) })));
  }
  const comment = h("textarea", { id: "rating-comment", name: "comment", rows: "3" });
  const message = h("div", { class: "field-message is-error", id: "rating-msg", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", text: gettext("Send rating") });
  const form = h(
    "form",
    { novalidate: true },
    h("fieldset", { class: "fieldset" }, h("legend", { text: gettext("How did we do?") }), stars, caption),
    message,
    h("div", { class: "form-row" }, h("label", { for: "rating-comment" }, gettext("Comment"), h("span", { class: "optional", text: gettext("(optional)") })), comment),
    h("div", { class: "form-actions" }, submit, reopenButton()),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector("input[name=rating]:checked");
    if (!chosen) {
      message.textContent = gettext("Choose from 1 to 5 stars.");
      form.querySelector("#rating-5").focus();
      return;
    }
    busy(
      submit,
      async () => {
        try {
          await api.post(`${base()}satisfaction/`, { rating: Number(chosen.value), comment: comment.value.trim() });
          toast(gettext("Thank you for your rating"));
          state.ratingKey = null;
          await load({ quiet: true });
          const title = $("rating-title");
          if (title) {
            title.setAttribute("tabindex", "-1");
            title.focus();
          }
        } catch (error) {
          const { fields } = error.fieldErrors || { fields: {} };
          message.textContent = (fields.rating || fields.comment || [describeError(error)]).join(" ");
        }
      },
      gettext("Sending…"),
    );
  });
  replaceChildren(
    card,
    h("h2", { id: "rating-title", text: gettext("Your ticket is solved") }),
    h("p", { class: "muted", text: gettext("Tell us how we did, or reopen the ticket if the problem is still there.") }),
    form,
  );
}

// ---------- Export ----------
function setupExport() {
  const jsonUrl = `/api/v1/${base()}export/`;
  const htmlUrl = `/api/v1/${base()}export/?format=html`;
  const json = $("export-json");
  const html = $("export-html");
  json.setAttribute("download", `${state.reference}.json`);
  if (!guestToken) {
    json.href = jsonUrl;
    html.href = htmlUrl;
    return;
  }
  // A guest's link carries no cookie: fetch with the guest header, then hand over the file.
  json.href = jsonUrl;
  html.href = htmlUrl;
  json.addEventListener("click", (event) => {
    event.preventDefault();
    downloadWithHeader(jsonUrl, `${state.reference}.json`);
  });
  html.addEventListener("click", async (event) => {
    event.preventDefault();
    const win = window.open("", "_blank");
    try {
      const blob = await fetchBlob(htmlUrl);
      const href = URL.createObjectURL(new Blob([await blob.text()], { type: "text/html" }));
      if (win) win.location.href = href;
      else window.location.href = href;
    } catch (error) {
      if (win) win.close();
      toast(describeError(error));
    }
  });
}

// ---------- Load and poll ----------
function render(ticket, { announceNew = false } = {}) {
  state.ticket = ticket;
  renderHead(ticket);
  renderPromise(ticket);
  renderRating(ticket);
  renderMessages(ticket, { announceNew });
  renderMergedFrom(ticket);
  renderReplyForm(ticket);
  renderTimeline(ticket);
  renderDetails(ticket);
  renderAttachments(ticket);
  renderSecretWarning(ticket);
  renderIncident(ticket);
}

/** The known problem this ticket is linked to: its status, ETA and what to do, above the conversation. */
function renderIncident(ticket) {
  let box = document.getElementById("ticket-incident");
  if (!ticket.incident) {
    if (box) box.remove();
    return;
  }
  if (!box) {
    box = h("section", { id: "ticket-incident", "aria-label": gettext("Known problem") });
    $("page-alerts").before(box);
  }
  const incident = ticket.incident;
  const latest = incident.latest_update;
  const card = incidentCard(
    { ...incident, message: latest ? `${incident.message}\n\n${latest.body}` : incident.message },
    { inline: true, note: incident.advice },
  );
  card.append(h("p", { class: "incident-meta" }, h("a", { href: "/status/", text: gettext("Every update on the status page") })));
  replaceChildren(box, card);
}

/** A secret the customer sent was removed: say so above everything, until the ticket is done. */
function renderSecretWarning(ticket) {
  let box = document.getElementById("secret-warning");
  if (!ticket.secret_warning) {
    if (box) box.remove();
    return;
  }
  if (!box) {
    box = h("div", { id: "secret-warning" });
    $("page-alerts").before(box);
  }
  replaceChildren(box, errorAlert(ticket.secret_warning, { title: gettext("Treat the secret you sent as compromised") }));
}

async function load({ quiet = false, announceNew = false } = {}) {
  if (state.loading) return;
  state.loading = true;
  try {
    const ticket = await api.get(base());
    if (ticket.merged_into && !guestToken) {
      // Merged into another ticket of the customer's: the conversation continues there.
      window.location.replace(`/tickets/${encodeURIComponent(ticket.merged_into)}/`);
      return;
    }
    render(ticket, { announceNew });
    $("poll-status").textContent = fmt(gettext("Updated %(time)s"), {
      time: new Intl.DateTimeFormat(document.documentElement.lang, { timeStyle: "short" }).format(new Date()),
    });
  } catch (error) {
    if (!quiet || error.status === 401 || error.status === 404) showLoadError(error);
  } finally {
    state.loading = false;
  }
}

function showLoadError(error) {
  clearInterval(state.pollTimer);
  clearInterval(state.countdownTimer);
  const expired = isGuestPage && (error.status === 401 || error.status === 403 || error.status === 404);
  let title;
  let text;
  let actions;
  if (expired) {
    title = gettext("This link has expired or isn't valid");
    text = error.detail || gettext("For your safety, ticket links only work for a limited time. Ask for a new one and we'll e-mail it to you.");
    actions = [h("a", { class: "btn btn-primary", href: "/guest/link/", text: gettext("Request a new link") })];
  } else if (error.status === 404) {
    title = gettext("We couldn't find this ticket");
    text = gettext("Check the reference, or open it from your list of tickets while logged in with the account that filed it.");
    actions = [h("a", { class: "btn btn-primary", href: "/tickets/", text: gettext("My tickets") })];
  } else if (error.status === 401) {
    title = gettext("Please log in again");
    text = gettext("Your session has ended.");
    actions = [h("a", { class: "btn btn-primary", href: `/login/?next=${encodeURIComponent(window.location.pathname)}`, text: gettext("Log in") })];
  } else {
    title = gettext("We couldn't load this ticket");
    text = describeError(error);
    actions = [h("button", { type: "button", class: "btn btn-primary", text: gettext("Try again"), on: { click: () => window.location.reload() } })];
  }
  $("ticket-layout").hidden = true;
  replaceChildren(
    $("page-alerts"),
    h(
      "div",
      { class: "card error-panel", role: "alert" },
      icon("alert", 40),
      h("h1", { text: title }),
      h("p", { text }),
      h("div", { class: "form-actions", style: "justify-content:center" }, ...actions),
    ),
  );
}

async function loadReferenceData() {
  const [networks, categories] = await Promise.allSettled([api.get("networks/"), api.get("categories/")]);
  if (networks.status === "fulfilled") for (const n of results(networks.value)) state.networks[n.code] = n;
  if (categories.status === "fulfilled") for (const c of results(categories.value)) state.categories[c.code] = c.name;
}

function showFiledBanner() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has("filed")) return;
  url.searchParams.delete("filed");
  window.history.replaceState(null, "", url);
  replaceChildren(
    $("page-alerts"),
    h(
      "div",
      { class: "alert alert-success", role: "status" },
      icon("checkCircle", 22),
      h(
        "div",
        {},
        h("p", { class: "alert-title", text: gettext("Your ticket was filed") }),
        h("p", { text: fmt(gettext("Keep the reference %(reference)s. Below you can see when a person will answer and your place in the queue."), { reference: state.reference }) }),
      ),
    ),
  );
}

function bindReply() {
  const form = $("reply-form");
  const textarea = $("reply-body");
  const message = $("reply-msg");
  textarea.addEventListener("input", () => {
    if (textarea.value.trim()) {
      message.textContent = "";
      textarea.removeAttribute("aria-invalid");
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = textarea.value.trim();
    if (!body) {
      message.className = "field-message is-error";
      message.textContent = gettext("Write your reply first.");
      textarea.setAttribute("aria-invalid", "true");
      textarea.focus();
      return;
    }
    busy(
      $("reply-button"),
      async () => {
        try {
          const sent = await api.post(`${base()}messages/`, { body });
          textarea.value = "";
          message.className = sent && sent.secret_warning ? "field-message is-error" : "field-message is-ok";
          message.textContent = sent && sent.secret_warning ? sent.secret_warning : gettext("Reply sent.");
          state.ratingKey = null;
          await load({ quiet: true });
        } catch (error) {
          message.className = "field-message is-error";
          const { fields, general } = error.fieldErrors || { fields: {}, general: [] };
          const problems = [...(fields.body || []), ...general];
          message.textContent = problems.length ? problems.join(" ") : describeError(error);
          textarea.setAttribute("aria-invalid", "true");
          textarea.focus();
        }
      },
      gettext("Sending…"),
    );
  });
}

function startPolling() {
  clearInterval(state.pollTimer);
  state.pollTimer = setInterval(() => {
    if (!document.hidden) load({ quiet: true, announceNew: true });
  }, POLL_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && state.ticket) load({ quiet: true, announceNew: true });
  });
}

async function start() {
  if (isGuestPage && !guestToken) {
    showLoadError({ status: 401, detail: "" });
    root.removeAttribute("aria-busy");
    return;
  }
  if (guestToken) {
    setGuestToken(guestToken);
    try {
      const session = await api.get("guest/session/");
      state.reference = session.reference;
    } catch (error) {
      showLoadError(error.status ? error : Object.assign(error, { status: 401 }));
      root.removeAttribute("aria-busy");
      return;
    }
  }
  showFiledBanner();
  await loadReferenceData();
  await load();
  root.removeAttribute("aria-busy");
  if (!state.ticket) return;
  setupExport();
  bindReply();
  new Uploader($("evidence-upload"), {
    immediate: () => `${base()}attachments/`,
    onUploaded: () => load({ quiet: true }),
  });
  startPolling();
  if (window.location.hash === "#reply-body") $("reply-body").focus();
}

start();

// Relative times ("3 minutes ago") stay true without a reload.
setInterval(() => {
  if (state.ticket) {
    renderTimeline(state.ticket);
    renderDetails(state.ticket);
  }
}, 60000);
