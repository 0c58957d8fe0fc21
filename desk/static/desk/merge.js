// Merge and split in the ticket workspace (tickets.merge, issue 13 item 3): the "Merged into"
// banner on a duplicate, the "Merge into…" dialog (a suggestion or a typed reference, then a
// confirmation), the possible-duplicates panel, the "Merged from" sections of the main ticket's
// conversation (read by reference: nothing was moved), and "Split into a new ticket" on a
// customer's message. Suggestions only ever suggest: nothing merges without the agent's click.

import { ApiError, api, describeError } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { fmt } from "/static/portal/i18n.js";
import { deskTicketUrl, statusPill, toast } from "./common.js";

const el = (id) => document.getElementById(id);

function setMessage(target, text, kind = "error") {
  target.textContent = text || "";
  target.className = `field-message merge-msg${text ? ` is-${kind}` : ""}`;
}

function errorText(error, field) {
  if (error instanceof ApiError && error.status === 400) {
    const { fields, general } = error.fieldErrors;
    return (fields[field] || [])[0] || general[0] || describeError(error);
  }
  return describeError(error);
}

function reasonText(suggestion) {
  if (suggestion.same === "txid") return gettext("Same transaction hash");
  if (suggestion.same === "order_id") return gettext("Same order ID");
  if (suggestion.same === "email_subject") return gettext("Named in the e-mail's subject");
  if (suggestion.suggested) return fmt(gettext("Similar text (%(percent)s)"), { percent: `${Math.round(suggestion.similarity * 100)}%` });
  return gettext("Another open ticket of this customer");
}

/** The merge controls of one workspace. `getTicket` gives the ticket as last loaded, `onMerged`
 * is called with the main ticket's detail after a merge. */
export function setupMerge({ base, getTicket, onMerged }) {
  const dialog = el("merge-dialog");
  const button = el("merge-button");
  const banner = el("merge-banner");
  const panel = el("merge-panel");
  const input = el("merge-into");
  const message = el("merge-msg");
  const choose = el("merge-choose");
  const confirm = el("merge-confirm");
  const submit = el("merge-submit");
  const back = el("merge-back");
  const state = { suggestions: null, target: "", loadedFor: null };

  async function loadSuggestions() {
    try {
      state.suggestions = await api.get(`${base}merge-suggestions/`);
    } catch {
      state.suggestions = [];
    }
    renderPanel();
    renderChoices();
  }

  function renderPanel() {
    const suggested = (state.suggestions || []).filter((s) => s.suggested).slice(0, 5);
    const t = getTicket();
    panel.hidden = !suggested.length || Boolean(t && (t.merged_into || t.status === "closed"));
    replaceChildren(
      el("merge-panel-list"),
      ...suggested.map((s) =>
        h(
          "li",
          {},
          h("a", { href: deskTicketUrl(s.reference) }, h("span", { class: "mono", text: s.reference }), h("span", { class: "merge-subject", text: s.subject })),
          h("span", { class: "merge-reason muted", text: reasonText(s) }),
          h("button", { type: "button", class: "link-button", text: gettext("Merge into this one…"), on: { click: () => open(s.reference) } }),
        ),
      ),
    );
  }

  function renderChoices() {
    const list = el("merge-suggestions");
    const suggestions = state.suggestions || [];
    if (!suggestions.length) {
      replaceChildren(list, h("li", { class: "muted small", text: gettext("No other open tickets of this customer.") }));
      return;
    }
    replaceChildren(
      list,
      ...suggestions.slice(0, 8).map((s, index) => {
        const id = `merge-choice-${index}`;
        return h(
          "li",
          { class: s.suggested ? "is-suggested" : "" },
          h("input", {
            type: "radio",
            name: "merge-choice",
            id,
            value: s.reference,
            checked: s.reference === state.target,
            on: {
              change: () => {
                state.target = s.reference;
                input.value = s.reference;
                setMessage(message, "");
              },
            },
          }),
          h(
            "label",
            { for: id },
            h("span", { class: "mono", text: s.reference }),
            statusPill(s.status),
            h("span", { class: "merge-subject", text: s.subject }),
            h("span", { class: "merge-reason muted", text: reasonText(s) }),
          ),
        );
      }),
    );
  }

  function showStep(step) {
    choose.hidden = step !== "choose";
    confirm.hidden = step !== "confirm";
    back.hidden = step !== "confirm";
    submit.textContent = step === "confirm" ? gettext("Merge") : gettext("Continue");
    submit.classList.toggle("btn-danger", step === "confirm");
  }

  function open(target = "") {
    state.target = target;
    input.value = target;
    setMessage(message, "");
    showStep("choose");
    renderChoices();
    dialog.showModal();
    if (!target) input.focus();
    else submit.focus();
  }

  input.addEventListener("input", () => {
    state.target = input.value.trim().toUpperCase();
    for (const radio of dialog.querySelectorAll('input[name="merge-choice"]')) radio.checked = radio.value === state.target;
    setMessage(message, "");
  });
  back.addEventListener("click", () => {
    showStep("choose");
    input.focus();
  });
  for (const close of dialog.querySelectorAll("[data-close]")) close.addEventListener("click", () => dialog.close());
  button.addEventListener("click", () => open());

  el("merge-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const t = getTicket();
    const target = (input.value || "").trim().toUpperCase();
    if (!target) {
      setMessage(message, gettext("Choose a ticket or type its reference."));
      input.focus();
      return;
    }
    if (target === t.reference) {
      setMessage(message, gettext("A ticket cannot be merged into itself."));
      input.focus();
      return;
    }
    if (confirm.hidden) {
      state.target = target;
      el("merge-confirm-text").textContent = fmt(gettext("Merge %(duplicate)s into %(main)s?"), { duplicate: t.reference, main: target });
      showStep("confirm");
      submit.focus();
      return;
    }
    submit.disabled = true;
    setMessage(message, gettext("Merging…"), "pending");
    try {
      const main = await api.post(`${base}merge/`, { into: target, expected_version: t.version ?? null });
      dialog.close();
      toast(fmt(gettext("Merged into %(reference)s."), { reference: target }));
      onMerged(main);
    } catch (error) {
      showStep("choose");
      setMessage(message, errorText(error, "into"));
    } finally {
      submit.disabled = false;
    }
  });

  /** Redraw what depends on the ticket (the banner, the button); suggestions load once. */
  function render() {
    const t = getTicket();
    if (!t) return;
    const merged = Boolean(t.merged_into);
    banner.hidden = !merged;
    // A merged duplicate is closed: replies go to the ticket kept.
    if (merged) el("composer").hidden = true;
    if (merged) {
      replaceChildren(
        banner,
        h(
          "div",
          { class: "alert alert-info" },
          h(
            "span",
            {},
            h("strong", { text: fmt(gettext("Merged into %(reference)s"), { reference: t.merged_into }) }),
            " ",
            gettext("This ticket is closed; its conversation continues on the ticket kept, which shows this one too."),
          ),
          h("a", { class: "btn btn-secondary btn-sm", href: deskTicketUrl(t.merged_into), text: fmt(gettext("Open %(reference)s"), { reference: t.merged_into }) }),
        ),
      );
    }
    button.hidden = merged || t.status === "closed";
    if (!button.hidden && state.loadedFor !== t.reference) {
      state.loadedFor = t.reference;
      loadSuggestions();
    } else {
      renderPanel();
    }
  }

  return { render };
}

/** The split dialog; `open(message)` for a customer's public message. */
export function setupSplit({ base }) {
  const dialog = el("split-dialog");
  const subject = el("split-subject");
  const message = el("split-msg");
  const submit = el("split-submit");
  let current = null;

  for (const close of dialog.querySelectorAll("[data-close]")) close.addEventListener("click", () => dialog.close());

  el("split-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    submit.disabled = true;
    setMessage(message, gettext("Creating the new ticket…"), "pending");
    try {
      const created = await api.post(`${base}messages/${current.id}/split/`, { subject: subject.value.trim() });
      dialog.close();
      toast(fmt(gettext("New ticket %(reference)s created."), { reference: created.reference }));
      window.location.assign(deskTicketUrl(created.reference));
    } catch (error) {
      setMessage(message, errorText(error, "subject"));
    } finally {
      submit.disabled = false;
    }
  });

  return {
    open(msg) {
      current = msg;
      subject.value = "";
      setMessage(message, "");
      el("split-quote").textContent = msg.body.length > 400 ? `${msg.body.slice(0, 400)}…` : msg.body;
      dialog.showModal();
      subject.focus();
    },
  };
}

/** The tickets merged into this one, as sections of the conversation at the time of each merge:
 * `messageItem` and `attachmentItem` draw their rows as the workspace draws its own. */
export function mergedSections(ticket, { messageItem, attachmentItem }) {
  return (ticket.merged_from || []).map((merged) => ({
    at: merged.merged_at,
    order: 4,
    node: () =>
      h(
        "li",
        { class: "item merged-section", dataset: { id: `merged-${merged.reference}` } },
        h(
          "div",
          { class: "merged-head" },
          h("strong", { text: fmt(gettext("Merged from %(reference)s"), { reference: merged.reference }) }),
          h("span", { class: "muted merged-subject", text: merged.subject }),
          h("a", { class: "merged-open", href: deskTicketUrl(merged.reference), text: gettext("Open that ticket") }),
        ),
        h(
          "ol",
          { class: "timeline merged-timeline" },
          ...[
            ...(merged.messages || []).map((m) => ({ at: m.created_at, order: 1, node: () => messageItem(m) })),
            ...(merged.attachments || []).map((a) => ({ at: a.created_at, order: 2, node: () => attachmentItem(a) })),
          ]
            .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.order - b.order)
            .map((item) => item.node()),
        ),
      ),
  }));
}
