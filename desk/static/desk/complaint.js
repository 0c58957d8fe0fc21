// The formal complaint panel of the ticket workspace (sla.complaints, issue 13 item 2): when it was
// received, under which preset, each statutory deadline with its due time and state, the letters
// sent, and the agents' letters (holding reply, progress update, final response, DISP's summary
// resolution), each a small form that is reviewed before it goes out. A ticket that is not a
// complaint offers "Mark as formal complaint". Data: GET complaints/{ref}/, POST
// complaints/{ref}/letters/, POST tickets/{ref}/complaint/.

import { ApiError, api, describeError } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { fmt, formatDateTime } from "/static/portal/i18n.js";
import { countdown, languageLabel, toast } from "./common.js";

const el = (id) => document.getElementById(id);

export function presetLabel(code) {
  const labels = {
    eu_mica: gettext("EU MiCA"),
    uk_disp: gettext("UK DISP"),
    uk_disp_payments: gettext("UK DISP (payments)"),
    nydfs: gettext("NYDFS"),
  };
  return labels[code] || code || "";
}

export function deadlineLabel(kind) {
  const labels = {
    acknowledgement: gettext("Acknowledgement"),
    final_response: gettext("Final response"),
    extended_final_response: gettext("Final response (extended)"),
    update: gettext("Progress update"),
  };
  return labels[kind] || kind || "";
}

export function letterLabel(kind) {
  const labels = {
    acknowledgement: gettext("Acknowledgement"),
    holding_reply: gettext("Holding reply"),
    update: gettext("Progress update"),
    final_response: gettext("Final response"),
    summary_resolution: gettext("Summary resolution communication"),
  };
  return labels[kind] || kind || "";
}

export function outcomeLabel(outcome) {
  const labels = { upheld: gettext("Upheld"), partly_upheld: gettext("Partly upheld"), rejected: gettext("Rejected") };
  return labels[outcome] || outcome || "";
}

function complaintStatusLabel(status) {
  const labels = { open: gettext("Open"), resolved: gettext("Resolved"), withdrawn: gettext("Withdrawn") };
  return labels[status] || status || "";
}

const OUTCOMES = ["upheld", "partly_upheld", "rejected"];

// Each letter's form: its fields in order (name, label, type, required).
const FORMS = {
  holding_reply: {
    title: () => gettext("Send a holding reply"),
    intro: () => gettext("The decision cannot be given in time: say why, and by when it will come. The new date becomes the complaint's deadline."),
    fields: () => [
      { name: "reasons", label: gettext("Reasons for the delay"), type: "textarea", required: true },
      { name: "new_date", label: gettext("New date for the decision"), type: "datetime", required: true },
    ],
  },
  update: {
    title: () => gettext("Send a progress update"),
    intro: () => gettext("Where the complaint stands, and when it should be resolved."),
    fields: () => [
      { name: "progress", label: gettext("Progress"), type: "textarea", required: true },
      { name: "eta", label: gettext("Estimated resolution (optional)"), type: "datetime", required: false },
    ],
  },
  final_response: {
    title: () => gettext("Send the final response"),
    intro: () => gettext("The decision, its reasons and any remedy. The complaint is resolved when it is sent."),
    fields: () => [
      { name: "outcome", label: gettext("Decision"), type: "outcome", required: true },
      { name: "reasons", label: gettext("Reasons"), type: "textarea", required: true },
      { name: "remedies", label: gettext("Remedies (optional)"), type: "textarea", required: false },
    ],
  },
  summary_resolution: {
    title: () => gettext("Send a summary resolution communication"),
    intro: () => gettext("DISP: a complaint settled by the close of the third business day after receipt may be closed with this shorter letter."),
    fields: () => [
      { name: "outcome", label: gettext("Decision"), type: "outcome", required: true },
      { name: "reasons", label: gettext("How it was resolved"), type: "textarea", required: true },
    ],
  },
};

function deadlineState(deadline, now = Date.now()) {
  if (deadline.stopped_at) return { key: "stopped", text: fmt(gettext("Stopped at %(time)s"), { time: formatDateTime(deadline.stopped_at) }) };
  if (deadline.met_at) {
    return deadline.breached_at
      ? { key: "met-late", text: fmt(gettext("Met late, at %(time)s"), { time: formatDateTime(deadline.met_at) }) }
      : { key: "met", text: fmt(gettext("Met at %(time)s"), { time: formatDateTime(deadline.met_at) }) };
  }
  if (deadline.breached_at || Date.parse(deadline.due_at) <= now) {
    return { key: "breached", text: fmt(gettext("Breached at %(time)s"), { time: formatDateTime(deadline.breached_at || deadline.due_at) }) };
  }
  return { key: "due", text: fmt(gettext("Due %(time)s"), { time: formatDateTime(deadline.due_at) }) };
}

function deadlineItem(deadline) {
  const stateNow = deadlineState(deadline);
  const running = stateNow.key === "due" || (stateNow.key === "breached" && !deadline.met_at);
  const badge = running
    ? countdown(deadline.due_at, stateNow.key === "breached" ? "breached" : "on_track")
    : h("span", { class: `complaint-state complaint-state-${stateNow.key}`, text: stateNow.key === "stopped" ? gettext("Stopped") : stateNow.key === "met-late" ? gettext("Met late") : gettext("Met") });
  const name = deadline.cycle > 1 ? fmt(gettext("%(deadline)s #%(cycle)s"), { deadline: deadlineLabel(deadline.kind), cycle: deadline.cycle }) : deadlineLabel(deadline.kind);
  return h(
    "li",
    { class: `complaint-deadline complaint-deadline-${stateNow.key}`, dataset: { kind: deadline.kind, state: stateNow.key } },
    h("div", { class: "clock-head" }, h("strong", { text: name }), badge),
    h("p", { class: "clock-line", text: stateNow.text }),
  );
}

function letterItem(letter) {
  const extra = [];
  const details = letter.details || {};
  if (details.outcome) extra.push(outcomeLabel(details.outcome));
  if (details.new_date) extra.push(fmt(gettext("new date %(time)s"), { time: formatDateTime(details.new_date) }));
  if (details.eta) extra.push(fmt(gettext("ETA %(time)s"), { time: formatDateTime(details.eta) }));
  return h(
    "li",
    { class: "complaint-letter", dataset: { kind: letter.kind } },
    h(
      "details",
      {},
      h(
        "summary",
        {},
        h("strong", { text: letterLabel(letter.kind) }),
        " ",
        h("time", { datetime: letter.sent_at, text: formatDateTime(letter.sent_at) }),
        extra.length ? h("span", { class: "muted", text: ` · ${extra.join(" · ")}` }) : null,
      ),
      letter.body ? h("div", { class: "complaint-letter-body", text: letter.body }) : h("p", { class: "muted small", text: gettext("No text recorded.") }),
    ),
  );
}

/** The complaint panel. `getTicket` gives the ticket as last loaded; `onTicket` is called with
 * the ticket's detail after a change (the mark, or a letter: the workspace redraws). */
export function setupComplaint({ base, reference, getTicket, onTicket }) {
  const panel = el("complaint-panel");
  const content = el("complaint-body");
  const dialog = el("complaint-dialog");
  const form = el("complaint-form");
  const formTitle = el("complaint-dialog-title");
  const fieldsBox = el("complaint-fields");
  const review = el("complaint-review");
  const message = el("complaint-msg");
  const submit = el("complaint-submit");
  const back = el("complaint-back");
  const path = `complaints/${encodeURIComponent(reference)}/`;
  const state = { complaint: null, loadedFor: null, kind: null, step: "form", busy: false, error: null };

  function setMessage(target, text) {
    target.textContent = text || "";
    target.className = `field-message${text ? " is-error" : ""}`;
  }

  async function load() {
    try {
      state.complaint = await api.get(path);
      state.error = null;
    } catch (error) {
      state.complaint = null;
      state.error = error;
    }
    draw();
  }

  /** Called on every workspace render: reloads the complaint when the ticket changed. */
  function render() {
    const t = getTicket();
    if (!t) return;
    panel.hidden = false;
    if (!t.is_complaint) {
      state.complaint = null;
      state.loadedFor = null;
      draw();
      return;
    }
    const version = `${t.version ?? ""}|${t.updated_at}`;
    if (state.loadedFor !== version) {
      state.loadedFor = version;
      load();
      return;
    }
    draw();
  }

  async function mark() {
    if (!window.confirm(gettext("Mark this ticket as a formal complaint? It counts as received now: the statutory deadlines start and the customer gets the written acknowledgement at once."))) return;
    const button = el("complaint-mark");
    button.disabled = true;
    try {
      const ticket = await api.post(`${base}complaint/`, {});
      toast(gettext("Marked as a formal complaint; the acknowledgement was sent."));
      await onTicket(ticket);
    } catch (error) {
      button.disabled = false;
      replaceChildren(el("complaint-mark-msg"), describeError(error));
      el("complaint-mark-msg").className = "field-message is-error";
    }
  }

  function draw() {
    const t = getTicket();
    if (!t.is_complaint) {
      panel.dataset.state = "none";
      replaceChildren(
        content,
        h("p", { class: "muted small", text: gettext("This ticket is not a formal complaint.") }),
        t.status === "closed"
          ? null
          : h("button", { type: "button", class: "btn btn-secondary btn-sm", id: "complaint-mark", text: gettext("Mark as formal complaint"), on: { click: mark } }),
        h("p", { class: "field-message", id: "complaint-mark-msg", "aria-live": "polite" }),
      );
      return;
    }
    const c = state.complaint;
    if (!c) {
      panel.dataset.state = state.error ? "error" : "loading";
      replaceChildren(content, h("p", { class: state.error ? "field-message is-error" : "muted small", text: state.error ? describeError(state.error) : gettext("Loading…") }));
      return;
    }
    panel.dataset.state = c.status;
    const rows = [
      [gettext("Received"), formatDateTime(c.received_at)],
      [gettext("Preset"), presetLabel(c.preset)],
      [gettext("Status"), c.outcome ? `${complaintStatusLabel(c.status)} · ${outcomeLabel(c.outcome)}` : complaintStatusLabel(c.status)],
    ];
    if (c.decision_due_at && c.status === "open") rows.push([gettext("Decision due"), formatDateTime(c.decision_due_at)]);
    const deadlines = [...(c.deadlines || [])].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
    const summaryOpen = c.summary_resolution_until && Date.parse(c.summary_resolution_until) > Date.now();
    const actions =
      c.status === "open"
        ? [
            ["holding_reply", gettext("Holding reply…")],
            ["update", gettext("Progress update…")],
            ["final_response", gettext("Final response…")],
            ...(summaryOpen ? [["summary_resolution", gettext("Summary resolution…")]] : []),
          ]
        : [];
    replaceChildren(
      content,
      h("dl", { class: "kv" }, ...rows.map(([label, value]) => h("div", {}, h("dt", { text: label }), h("dd", { text: value || "—" })))),
      h("h3", { class: "subhead", text: gettext("Deadlines") }),
      deadlines.length
        ? h("ul", { class: "clocks complaint-deadlines" }, ...deadlines.map(deadlineItem))
        : h("p", { class: "muted small", text: gettext("No statutory deadline.") }),
      h("h3", { class: "subhead", text: gettext("Letters sent") }),
      (c.letters || []).length
        ? h("ul", { class: "complaint-letters" }, ...c.letters.map(letterItem))
        : h("p", { class: "muted small", text: gettext("No letter yet.") }),
      summaryOpen
        ? h("p", { class: "muted small", text: fmt(gettext("A summary resolution is possible until %(time)s."), { time: formatDateTime(c.summary_resolution_until) }) })
        : null,
      actions.length
        ? h(
            "div",
            { class: "complaint-actions" },
            ...actions.map(([kind, label]) => h("button", { type: "button", class: "btn btn-secondary btn-sm", dataset: { letter: kind }, text: label, on: { click: () => open(kind) } })),
          )
        : null,
    );
  }

  // --- The letter dialog: the form, then a review of what will be sent ---

  function fieldControl(field) {
    const id = `cl-${field.name}`;
    const described = `${id}-msg`;
    let control;
    if (field.type === "textarea") {
      control = h("textarea", { id, name: field.name, rows: 3, maxlength: 20000, "aria-describedby": described, required: field.required });
    } else if (field.type === "datetime") {
      control = h("input", { id, name: field.name, type: "datetime-local", "aria-describedby": described, required: field.required });
    } else {
      control = h(
        "select",
        { id, name: field.name, "aria-describedby": described, required: field.required },
        h("option", { value: "", text: gettext("Choose…") }),
        ...OUTCOMES.map((value) => h("option", { value, text: outcomeLabel(value) })),
      );
    }
    return h("div", { class: "field" }, h("label", { for: id, text: field.label }), control, h("p", { class: "field-message", id: described, "aria-live": "polite" }));
  }

  function open(kind) {
    state.kind = kind;
    const spec = FORMS[kind];
    formTitle.textContent = spec.title();
    replaceChildren(fieldsBox, h("p", { class: "muted small", text: spec.intro() }), ...spec.fields().map(fieldControl));
    showStep("form");
    setMessage(message, "");
    dialog.showModal();
    fieldsBox.querySelector("textarea, select, input")?.focus();
  }

  function showStep(step) {
    state.step = step;
    fieldsBox.hidden = step !== "form";
    review.hidden = step !== "review";
    back.hidden = step !== "review";
    submit.textContent = step === "review" ? gettext("Send to the customer") : gettext("Review");
  }

  function values() {
    const data = { kind: state.kind };
    for (const field of FORMS[state.kind].fields()) {
      const input = el(`cl-${field.name}`);
      const value = input.value.trim();
      if (field.type === "datetime") {
        if (value) data[field.name] = new Date(value).toISOString();
      } else if (value || field.type === "textarea") {
        data[field.name] = value;
      }
    }
    return data;
  }

  function checkRequired() {
    let first = null;
    for (const field of FORMS[state.kind].fields()) {
      const input = el(`cl-${field.name}`);
      const missing = field.required && !input.value.trim();
      setMessage(el(`cl-${field.name}-msg`), missing ? gettext("This field is required.") : "");
      input.setAttribute("aria-invalid", missing ? "true" : "false");
      if (missing && !first) first = input;
    }
    first?.focus();
    return !first;
  }

  function showReview() {
    const data = values();
    const c = state.complaint;
    const rows = FORMS[state.kind].fields().map((field) => {
      let value = data[field.name] || "";
      if (field.type === "datetime") value = value ? formatDateTime(value) : "—";
      if (field.type === "outcome") value = outcomeLabel(value);
      return h("div", {}, h("dt", { text: field.label }), h("dd", { class: "complaint-review-value", text: value || "—" }));
    });
    replaceChildren(
      review,
      h("p", {}, fmt(gettext("%(letter)s to the customer of %(reference)s:"), { letter: letterLabel(state.kind), reference })),
      h("dl", { class: "kv complaint-review" }, ...rows),
      h(
        "p",
        { class: "muted small" },
        fmt(gettext("It is sent as a public reply and by e-mail, in the complaint's language (%(language)s), with the reference and the statutory wording. It cannot be taken back."), {
          language: c ? languageLabel(c.language) : "",
        }),
      ),
    );
    showStep("review");
    submit.focus();
  }

  function showErrors(error) {
    if (!(error instanceof ApiError) || error.status !== 400) {
      setMessage(message, describeError(error));
      return;
    }
    const { fields, general } = error.fieldErrors;
    const names = FORMS[state.kind].fields().map((field) => field.name);
    let placed = false;
    for (const name of names) {
      const text = (fields[name] || [])[0];
      setMessage(el(`cl-${name}-msg`), text || "");
      el(`cl-${name}`).setAttribute("aria-invalid", text ? "true" : "false");
      if (text && !placed) {
        placed = true;
        showStep("form");
        el(`cl-${name}`).focus();
      }
    }
    if (!placed) {
      showStep("form");
      setMessage(message, general[0] || describeError(error));
    } else {
      setMessage(message, "");
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (state.busy) return;
    setMessage(message, "");
    if (state.step === "form") {
      if (checkRequired()) showReview();
      return;
    }
    state.busy = true;
    submit.disabled = true;
    try {
      await api.post(`${path}letters/`, values());
      dialog.close();
      toast(fmt(gettext("%(letter)s sent."), { letter: letterLabel(state.kind) }));
      state.loadedFor = null;
      await onTicket(await api.get(base));
    } catch (error) {
      showErrors(error);
    } finally {
      state.busy = false;
      submit.disabled = false;
    }
  });
  back.addEventListener("click", () => {
    showStep("form");
    setMessage(message, "");
  });
  for (const button of dialog.querySelectorAll("[data-close]")) button.addEventListener("click", () => dialog.close());

  return { render };
}
