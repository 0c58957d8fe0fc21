// New ticket (logged in) and "I can't log in" (guest): pick a topic, then a form that asks for
// exactly that topic's fields, checks them as the user types, shows a matching incident, suggests
// articles, warns about a duplicate, and files the ticket (then uploads the evidence).

import { api, describeError, results } from "./api.js";
import { fieldLabel, fmt } from "./i18n.js";
import {
  announce,
  articleLink,
  busy,
  categoryIcon,
  clear,
  debounce,
  errorAlert,
  h,
  icon,
  incidentCard,
  replaceChildren,
} from "./dom.js";
import { Uploader } from "./uploader.js";

const form = document.getElementById("ticket-form");
const mode = form.dataset.mode === "guest" ? "guest" : "customer";

const STRUCTURED = ["network", "asset", "amount", "txid", "address", "memo", "order_id"];
const REMOTE_CHECKED = ["txid", "address", "memo"];
const FORM_ORDER = ["email", ...STRUCTURED, "subject", "body"];

const el = {
  grid: document.getElementById("category-grid"),
  stepCategory: document.getElementById("step-category"),
  stepDetails: document.getElementById("step-details"),
  step1Title: document.getElementById("step1-title"),
  step2Title: document.getElementById("step2-title"),
  marker1: document.getElementById("step-marker-1"),
  marker2: document.getElementById("step-marker-2"),
  chosenName: document.getElementById("chosen-category-name"),
  changeCategory: document.getElementById("change-category"),
  structured: document.getElementById("structured-section"),
  incidents: document.getElementById("incident-slot"),
  summary: document.getElementById("error-summary"),
  duplicate: document.getElementById("duplicate-slot"),
  submitError: document.getElementById("submit-error"),
  submitButton: document.getElementById("submit-button"),
  submitStatus: document.getElementById("submit-status"),
  suggestions: document.getElementById("suggestions"),
  suggestionsStatus: document.getElementById("suggestions-status"),
  memoLabel: document.getElementById("f-memo-label"),
  memoHint: document.getElementById("f-memo-hint"),
};

const state = {
  categories: [],
  networks: [],
  networksFailed: false,
  category: null,
  remoteValid: {},
  // The checker's own words for each field: kept for the submit summary, which clears the field
  // messages first (it used to fall back to a vaguer sentence).
  remoteMessage: {},
  sequence: {},
  duplicate: null,
  duplicateWarnedFor: null,
  submitting: false,
  created: null,
};

const uploader = mode === "customer" && document.querySelector("[data-dropzone]") ? new Uploader(form) : null;

const field = (name) => document.getElementById(`f-${name}`);
const row = (name) => form.querySelector(`[data-field="${name}"]`);
const message = (name) => document.getElementById(`f-${name}-msg`);
const value = (name) => (field(name) ? field(name).value.trim() : "");
const isShown = (name) => Boolean(row(name)) && !row(name).hidden;

// ---------- Field messages ----------
function setMessage(name, text, kind = null) {
  const box = message(name);
  if (!box) return;
  box.className = `field-message${kind ? ` is-${kind}` : ""}`;
  if (!text) {
    clear(box);
  } else {
    const iconName = kind === "error" ? "alert" : kind === "ok" ? "checkCircle" : "clock";
    replaceChildren(box, icon(iconName, 16), h("span", { text }));
  }
  const input = field(name);
  if (input) {
    if (kind === "error") input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

// ---------- Networks and assets ----------
function selectedNetwork() {
  const code = value("network");
  return state.networks.find((network) => network.code === code) || null;
}

function fillNetworks() {
  const select = field("network");
  const current = select.value;
  const options = state.networks.map((network) =>
    h("option", { value: network.code, text: network.name && network.name !== network.code ? network.name : network.code }),
  );
  replaceChildren(select, h("option", { value: "", text: gettext("Choose a network") }), ...options);
  if (current) select.value = current;
}

function fillAssets() {
  const input = field("asset");
  if (input.tagName !== "SELECT") return;
  const current = input.value;
  const network = selectedNetwork();
  let assets;
  if (network) {
    assets = network.assets || [];
  } else if (isShown("network")) {
    assets = [];
  } else {
    assets = [...new Set(state.networks.flatMap((n) => n.assets || []))].sort();
  }
  const placeholder =
    isShown("network") && !network ? gettext("Choose the network first") : gettext("Choose an asset");
  replaceChildren(input, h("option", { value: "", text: placeholder }), ...assets.map((a) => h("option", { value: a, text: a })));
  input.disabled = assets.length === 0 && !state.networksFailed;
  if (assets.includes(current)) input.value = current;
}

/** Without the network list, ask for free text rather than blocking the form. */
function fallbackToText(name) {
  const select = field(name);
  if (!select || select.tagName !== "SELECT") return;
  const input = h("input", {
    type: "text",
    id: select.id,
    name: select.name,
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": select.getAttribute("aria-describedby"),
  });
  if (select.required) input.required = true;
  if (select.getAttribute("aria-required")) input.setAttribute("aria-required", select.getAttribute("aria-required"));
  select.replaceWith(input);
  input.addEventListener("input", onStructuredChange);
}

async function loadNetworks() {
  try {
    state.networks = results(await api.get("networks/"));
    fillNetworks();
  } catch {
    state.networksFailed = true;
    fallbackToText("network");
    fallbackToText("asset");
  }
  applyCategory();
}

// ---------- Topic ----------
function setRequired(name, required) {
  const r = row(name);
  const input = field(name);
  if (!r || !input) return;
  const req = r.querySelector(".req");
  const optional = r.querySelector(".optional");
  if (req) req.hidden = !required;
  if (optional) optional.hidden = required;
  input.required = required;
  if (required) input.setAttribute("aria-required", "true");
  else input.removeAttribute("aria-required");
}

/** Show exactly the fields the chosen topic asks for. The memo/tag shows only on networks that use
 * one, and is required where the network needs it (XRP's destination tag): a deposit without it is
 * usually lost. */
function applyCategory() {
  const category = state.category;
  if (!category) return;
  const required = new Set(category.required_fields || []);
  const wanted = new Set([...required, ...(category.optional_fields || [])]);
  const network = selectedNetwork();
  let anyShown = false;
  for (const name of STRUCTURED) {
    let show = wanted.has(name);
    let needed = required.has(name);
    if (name === "memo") {
      const memo = network && network.memo;
      show = show && Boolean(memo && memo.required);
      needed = show;
      el.memoLabel.textContent = memo && memo.name ? memo.name : gettext("Memo / tag");
      el.memoHint.textContent = (memo && memo.hint) || "";
      el.memoHint.hidden = !(show && memo && memo.hint);
    }
    row(name).hidden = !show;
    setRequired(name, show && needed);
    anyShown = anyShown || show;
  }
  el.structured.hidden = !anyShown;
  fillAssets();
}

function markStep(step) {
  el.marker1.toggleAttribute("aria-current", false);
  el.marker2.toggleAttribute("aria-current", false);
  el.marker1.classList.toggle("done", step === 2);
  (step === 1 ? el.marker1 : el.marker2).setAttribute("aria-current", "step");
}

function chooseCategory(category, { focus = true } = {}) {
  const changed = !state.category || state.category.code !== category.code;
  state.category = category;
  for (const button of el.grid.querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.code === category.code));
  }
  el.chosenName.textContent = category.name;
  el.stepCategory.hidden = true;
  el.stepDetails.hidden = false;
  markStep(2);
  applyCategory();
  if (changed) {
    const url = new URL(window.location.href);
    url.searchParams.set("category", category.code);
    window.history.replaceState(null, "", url);
    state.duplicate = null;
    clear(el.duplicate);
    checkIncidents.flush();
    checkDuplicates();
  }
  if (focus) el.step2Title.focus();
}

async function loadCategories() {
  try {
    state.categories = results(await api.get("categories/"));
    const buttons = state.categories.map((category) => {
      const button = h(
        "button",
        {
          type: "button",
          class: "category-card",
          "aria-pressed": "false",
          dataset: { code: category.code, urgent: String(category.code === "account_compromised") },
        },
        h("span", { class: "category-icon" }, categoryIcon(category.code)),
        h(
          "span",
          {},
          h("span", { class: "category-name", text: category.name }),
          h("span", { class: "category-desc", text: category.description || "" }),
        ),
      );
      button.addEventListener("click", () => chooseCategory(category));
      return button;
    });
    replaceChildren(el.grid, ...buttons);
    const wanted = new URLSearchParams(window.location.search).get("category");
    const preset = state.categories.find((category) => category.code === wanted);
    if (preset) chooseCategory(preset, { focus: false });
  } catch (error) {
    replaceChildren(
      el.grid,
      errorAlert(describeError(error), { title: gettext("We couldn't load the topics.") }),
      h("button", { type: "button", class: "btn btn-secondary", text: gettext("Try again"), on: { click: loadCategories } }),
    );
  } finally {
    el.grid.removeAttribute("aria-busy");
  }
}

el.changeCategory.addEventListener("click", () => {
  el.stepDetails.hidden = true;
  el.stepCategory.hidden = false;
  markStep(1);
  el.step1Title.focus();
});

// ---------- Live validation ----------
async function checkRemote(name) {
  const text = value(name);
  const sequence = (state.sequence[name] = (state.sequence[name] || 0) + 1);
  state.remoteValid[name] = null;
  state.remoteMessage[name] = "";
  if (!text || !isShown(name)) {
    setMessage(name, "");
    return;
  }
  const network = value("network");
  if (!network) {
    setMessage(name, gettext("Choose the network first so we can check this."), "pending");
    return;
  }
  setMessage(name, gettext("Checking…"), "pending");
  try {
    const result = await api.post("networks/validate/", { network, field: name, value: text });
    if (sequence !== state.sequence[name]) return;
    state.remoteValid[name] = Boolean(result.valid);
    const fallback = result.valid ? gettext("Looks right.") : gettext("This doesn't look right for this network.");
    state.remoteMessage[name] = result.message || fallback;
    setMessage(name, state.remoteMessage[name], result.valid ? "ok" : "error");
  } catch {
    if (sequence !== state.sequence[name]) return;
    // The checker is unavailable: say nothing now, the server checks again when filing.
    setMessage(name, "");
  }
}

const remoteCheckers = Object.fromEntries(REMOTE_CHECKED.map((name) => [name, debounce(() => checkRemote(name), 300)]));

// As the server reads amounts (tickets.networks.parse_amount): English and Simplified Chinese both
// write "1,000.50" or "1000.50". A decimal comma ("1.000,50") or odd grouping ("1,00,0") could be
// read two ways, so it is refused, not guessed. Full-width digits (Chinese IMEs) count as digits.
const PLAIN_AMOUNT = /^\d*(\.\d+)?$/;
const GROUPED_AMOUNT = /^\d{1,3}(,\d{3})+(\.\d+)?$/;

function normaliseAmount(text) {
  return text.normalize("NFKC").trim();
}

function amountError(text) {
  if (!text) return null;
  const typed = normaliseAmount(text);
  const plain = typed !== "." && PLAIN_AMOUNT.test(typed);
  if (!plain && !GROUPED_AMOUNT.test(typed)) {
    return gettext("Enter the amount as digits with a dot before the decimals, e.g. 1,000.50 or 1000.50.");
  }
  const number = typed.replace(/,/g, "");
  if (Number(number) <= 0) return gettext("The amount must be greater than zero.");
  const decimals = (number.split(".")[1] || "").length;
  if (decimals > 18) return gettext("Use at most 18 decimal places.");
  return null;
}

const checkAmount = debounce(() => {
  const problem = amountError(value("amount"));
  setMessage("amount", problem, problem ? "error" : null);
}, 300);

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const checkEmail = debounce(() => {
  const text = value("email");
  if (!text) return setMessage("email", "");
  setMessage(
    "email",
    EMAIL_PATTERN.test(text) ? "" : gettext("Enter an e-mail address like name@example.com."),
    EMAIL_PATTERN.test(text) ? null : "error",
  );
}, 300);

function onStructuredChange(event) {
  const name = event.target.name;
  if (name === "network") {
    applyCategory();
    for (const checked of REMOTE_CHECKED) if (value(checked)) remoteCheckers[checked].flush();
    if (value("network")) setMessage("network", "");
  }
  if (name === "asset" && value("asset")) setMessage("asset", "");
  if (name === "network" || name === "asset") checkIncidents();
  if (name === "txid" || name === "order_id") checkDuplicatesSoon();
}

for (const name of ["network", "asset"]) field(name).addEventListener("change", onStructuredChange);
for (const name of REMOTE_CHECKED) field(name).addEventListener("input", () => remoteCheckers[name]());
field("txid").addEventListener("input", onStructuredChange);
field("order_id").addEventListener("input", onStructuredChange);
field("order_id").addEventListener("input", () => setMessage("order_id", ""));
field("amount").addEventListener("input", checkAmount);
if (field("email")) field("email").addEventListener("input", checkEmail);
for (const name of ["subject", "body"]) {
  field(name).addEventListener("input", () => {
    if (value(name)) setMessage(name, "");
  });
}

// ---------- Incidents ----------
const checkIncidents = debounce(async () => {
  if (!state.category) return;
  try {
    const incidents = results(
      await api.get("incidents/", {
        active: "true",
        category: state.category.code,
        asset: isShown("asset") ? value("asset") : "",
        network: isShown("network") ? value("network") : "",
      }),
    );
    if (incidents.length === 0) {
      clear(el.incidents);
      return;
    }
    const note = gettext("We're already working on this. You can still file a ticket and we'll keep you updated.");
    replaceChildren(el.incidents, ...incidents.map((incident) => incidentCard(incident, { inline: true, note })));
  } catch {
    clear(el.incidents);
  }
}, 300);

// ---------- Article suggestions ----------
const suggest = debounce(async () => {
  const words = value("body").split(/\s+/).filter(Boolean).slice(0, 12).join(" ");
  const q = `${value("subject")} ${words}`.trim();
  if (q.length < 3) {
    replaceChildren(
      el.suggestions,
      h("p", { class: "muted small mb-0", text: gettext("As you type a subject, we'll show help articles that match.") }),
    );
    return;
  }
  try {
    const articles = results(await api.get("articles/", { q })).slice(0, 5);
    if (articles.length === 0) {
      replaceChildren(el.suggestions, h("p", { class: "muted small mb-0", text: gettext("No matching articles yet.") }));
      announce(el.suggestionsStatus, "");
      return;
    }
    replaceChildren(el.suggestions, h("ul", {}, ...articles.map((article) => h("li", {}, articleLink(article, { newTab: true })))));
    announce(
      el.suggestionsStatus,
      fmt(ngettext("%(count)s help article might answer this.", "%(count)s help articles might answer this.", articles.length), {
        count: articles.length,
      }),
    );
  } catch {
    replaceChildren(el.suggestions, h("p", { class: "muted small mb-0", text: gettext("Suggestions are unavailable right now.") }));
  }
}, 400);

field("subject").addEventListener("input", suggest);
field("body").addEventListener("input", suggest);

// ---------- Duplicates ----------
function duplicateKey() {
  return [state.category && state.category.code, value("txid"), value("order_id")].join("|");
}

async function fetchDuplicate() {
  if (mode !== "customer" || !state.category) return null;
  try {
    const result = await api.get("tickets/duplicates/", {
      category: state.category.code,
      txid: isShown("txid") ? value("txid") : "",
      order_id: isShown("order_id") ? value("order_id") : "",
    });
    return result && result.possible_duplicate_of ? result : null;
  } catch {
    return null;
  }
}

function showDuplicate(duplicate) {
  if (!duplicate) {
    clear(el.duplicate);
    return;
  }
  const link = h("a", { href: `/tickets/${encodeURIComponent(duplicate.possible_duplicate_of)}/` });
  link.append(h("span", { class: "mono", text: duplicate.possible_duplicate_of }));
  if (duplicate.subject) link.append(` — ${duplicate.subject}`);
  replaceChildren(
    el.duplicate,
    h(
      "div",
      { class: "alert alert-warning", id: "duplicate-warning", tabindex: "-1" },
      icon("info", 20),
      h(
        "div",
        {},
        h("p", { class: "alert-title", text: gettext("You already have an open ticket about this:") }),
        h("p", {}, link),
        h("p", { text: gettext("Adding to that ticket keeps everything in one place. You can still file a new one.") }),
        h(
          "div",
          { class: "actions" },
          h("a", { class: "btn btn-secondary btn-sm", href: link.href, text: gettext("Open that ticket") }),
          h("button", {
            type: "button",
            id: "file-anyway",
            class: "btn btn-primary btn-sm",
            text: gettext("File a new ticket anyway"),
            on: { click: fileAnyway },
          }),
        ),
      ),
    ),
  );
}

async function checkDuplicates() {
  const key = duplicateKey();
  const duplicate = await fetchDuplicate();
  if (key !== duplicateKey()) return;
  state.duplicate = duplicate;
  showDuplicate(duplicate);
}
const checkDuplicatesSoon = debounce(checkDuplicates, 600);

function fileAnyway() {
  state.duplicateWarnedFor = duplicateKey();
  form.requestSubmit();
}

// ---------- Submit ----------
function clientErrors() {
  const errors = {};
  if (mode === "guest") {
    if (!value("email")) errors.email = [gettext("Enter your e-mail address so we can send you the link.")];
    else if (!EMAIL_PATTERN.test(value("email"))) errors.email = [gettext("Enter an e-mail address like name@example.com.")];
  }
  const required = new Set(state.category.required_fields || []);
  for (const name of STRUCTURED) {
    if (!isShown(name)) continue;
    if ((required.has(name) || field(name).required) && !value(name)) {
      errors[name] = [gettext("Please fill in this field.")];
      if (name === "network") errors[name] = [gettext("Choose the network you used.")];
      if (name === "asset") errors[name] = [gettext("Choose the asset.")];
    }
  }
  if (isShown("amount") && value("amount") && amountError(value("amount"))) errors.amount = [amountError(value("amount"))];
  for (const name of REMOTE_CHECKED) {
    if (isShown(name) && value(name) && state.remoteValid[name] === false) {
      errors[name] = [state.remoteMessage[name] || gettext("This doesn't look right for this network.")];
    }
  }
  if (!value("subject")) errors.subject = [gettext("Add a short subject.")];
  if (!value("body")) errors.body = [gettext("Tell us what happened.")];
  return errors;
}

/** The field's visible label (without the required / optional marks), else a generic name. */
function labelOf(name) {
  const label = form.querySelector(`label[for="f-${name}"]`);
  if (!label) return fieldLabel(name);
  const copy = label.cloneNode(true);
  for (const mark of copy.querySelectorAll(".req, .optional")) mark.remove();
  return copy.textContent.trim() || fieldLabel(name);
}

function clearErrors() {
  el.summary.hidden = true;
  clear(el.summary);
  clear(el.submitError);
  for (const name of FORM_ORDER) {
    const box = message(name);
    if (box && box.classList.contains("is-error")) setMessage(name, "");
  }
}

/** Put each message at its field, list them at the top, and focus the first invalid field. */
function showErrors(fields, general = []) {
  const items = [];
  let first = null;
  for (const name of FORM_ORDER) {
    const messages = fields[name];
    if (!messages || !messages.length) continue;
    if (!field(name) || (row(name) && row(name).hidden)) {
      general.push(...messages.map((text) => `${fieldLabel(name)}: ${text}`));
      continue;
    }
    setMessage(name, messages.join(" "), "error");
    first = first || field(name);
    items.push(h("li", {}, h("a", { href: `#f-${name}`, text: `${labelOf(name)}: ${messages.join(" ")}` })));
  }
  for (const [name, messages] of Object.entries(fields)) {
    if (!FORM_ORDER.includes(name)) general.push(...messages.map((text) => `${fieldLabel(name)}: ${text}`));
  }
  for (const text of general) items.push(h("li", { text }));
  if (!items.length) return;
  replaceChildren(
    el.summary,
    icon("alert", 20),
    h(
      "div",
      {},
      h("p", { class: "alert-title", text: fmt(ngettext("Please fix %(count)s problem:", "Please fix %(count)s problems:", items.length), { count: items.length }) }),
      h("ul", {}, ...items),
    ),
  );
  el.summary.hidden = false;
  if (el.stepDetails.hidden) {
    el.stepCategory.hidden = true;
    el.stepDetails.hidden = false;
    markStep(2);
  }
  (first || el.summary).focus();
}

el.summary.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='#f-']");
  if (!link) return;
  event.preventDefault();
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (target) target.focus();
});

function payload() {
  const data = { category: state.category.code, subject: value("subject"), body: field("body").value.trim() };
  if (mode === "guest") data.email = value("email");
  const complaint = document.getElementById("f-is_complaint");
  if (complaint && complaint.checked) data.is_complaint = true;
  for (const name of STRUCTURED) {
    if (!isShown(name) || !value(name)) continue;
    data[name] = name === "amount" ? normaliseAmount(value(name)) : value(name);
  }
  return data;
}

function showGuestSent(detail, secretWarning) {
  const card = h(
    "div",
    { class: "card", tabindex: "-1", id: "guest-sent" },
    secretWarning ? errorAlert(secretWarning, { title: gettext("Treat the secret you sent as compromised") }) : null,
    h("div", { class: "alert alert-success" }, icon("mail", 22), h("div", {}, h("p", { class: "alert-title", text: gettext("Check your e-mail") }), h("p", { text: detail || gettext("If the address is valid, we've e-mailed you a link to your ticket.") }))),
    h("p", { text: gettext("The link opens your ticket: you can follow its status, reply and add evidence there.") }),
    h("p", { class: "muted small", text: gettext("Nothing arrived after a few minutes? Check your spam folder, then send the form again.") }),
    h("a", { class: "btn btn-secondary", href: "/", text: gettext("Back to the help center") }),
  );
  // The form, its topic and its suggestions are done with: show only the outcome.
  document.getElementById("steps").hidden = true;
  replaceChildren(el.stepDetails, h("div", { class: "container-narrow", style: "margin:0" }, card));
  card.focus();
  card.scrollIntoView({ block: "start" });
}

function showUploadProblem(reference) {
  el.submitButton.hidden = true;
  replaceChildren(
    el.submitError,
    h(
      "div",
      { class: "alert alert-warning", role: "alert" },
      icon("alert", 20),
      h(
        "div",
        {},
        h("p", { class: "alert-title", text: fmt(gettext("Ticket %(reference)s was filed."), { reference }) }),
        h("p", { text: gettext("Some files could not be uploaded. You can add them again from your ticket.") }),
        h("div", { class: "actions" }, h("a", { class: "btn btn-primary btn-sm", href: `/tickets/${encodeURIComponent(reference)}/?filed=1`, text: gettext("Go to your ticket") })),
      ),
    ),
  );
}

async function submit() {
  clearErrors();
  const errors = clientErrors();
  if (Object.keys(errors).length) {
    showErrors(errors);
    return;
  }
  if (mode === "customer" && state.duplicateWarnedFor !== duplicateKey()) {
    const duplicate = await fetchDuplicate();
    if (duplicate) {
      state.duplicateWarnedFor = duplicateKey();
      showDuplicate(duplicate);
      document.getElementById("duplicate-warning").focus();
      return;
    }
  }
  const data = payload();
  try {
    if (mode === "guest") {
      const response = await api.post("guest/tickets/", data);
      showGuestSent(response && response.detail, response && response.secret_warning);
      return;
    }
    const ticket = await api.post("tickets/", data);
    state.created = ticket.reference;
    if (uploader && uploader.pending.length) {
      el.submitStatus.textContent = fmt(gettext("Ticket %(reference)s filed. Uploading your files…"), { reference: ticket.reference });
      const failed = await uploader.uploadAll(`tickets/${encodeURIComponent(ticket.reference)}/attachments/`);
      if (failed.length) {
        showUploadProblem(ticket.reference);
        return;
      }
    }
    el.submitStatus.textContent = fmt(gettext("Ticket %(reference)s filed. Opening it…"), { reference: ticket.reference });
    window.location.assign(`/tickets/${encodeURIComponent(ticket.reference)}/?filed=1`);
  } catch (error) {
    if (error.status === 400) {
      const { fields, general } = error.fieldErrors;
      showErrors(fields, general);
    } else {
      replaceChildren(el.submitError, errorAlert(describeError(error), { title: gettext("Your ticket was not sent yet.") }));
      el.submitError.querySelector(".alert").setAttribute("tabindex", "-1");
      el.submitError.querySelector(".alert").focus();
    }
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (state.submitting || state.created || !state.category) return;
  state.submitting = true;
  try {
    await busy(el.submitButton, submit, gettext("Sending…"));
  } finally {
    state.submitting = false;
    if (state.created) el.submitButton.disabled = true;
  }
});

loadCategories();
loadNetworks();
