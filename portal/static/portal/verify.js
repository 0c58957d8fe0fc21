// "Is this really us?": check an e-mail address, domain, phone number, Telegram account or link.
// Official: a clear yes. Not official: a warning with what to do, where to report it, and our
// official contacts of that kind (verify-contact/'s `official_contacts`) to compare with.

import { api, describeError } from "./api.js";
import { busy, h, icon, replaceChildren } from "./dom.js";

const form = document.getElementById("verify-form");
const input = document.getElementById("verify-contact");
const message = document.getElementById("verify-msg");
const result = document.getElementById("verify-result");
const button = document.getElementById("verify-button");

function shownValue(contact) {
  // Stored bare: a phone number without its +, a Telegram account without its @.
  if (contact.channel === "phone") return `+${contact.value}`;
  if (contact.channel === "telegram") return `@${contact.value}`;
  return contact.value;
}

function officialList(data) {
  const headings = {
    email: gettext("Our official e-mail addresses"),
    domain: gettext("Our official websites"),
    phone: gettext("Our official phone numbers"),
    telegram: gettext("Our official Telegram accounts"),
  };
  const none = {
    email: gettext("We have no official e-mail address: anyone who e-mails you as support is not us."),
    domain: gettext("We have no official website listed."),
    phone: gettext("We have no official phone number: anyone who calls you as support is not us."),
    telegram: gettext("We have no Telegram account: anyone there who says they are support is not us."),
  };
  const contacts = data.official_contacts || [];
  const items = contacts.map((contact) =>
    h(
      "li",
      {},
      // For an e-mail address, a domain of ours stands for every address at it.
      data.channel === "email" && contact.channel === "domain"
        ? [gettext("Any address ending in"), " ", h("span", { class: "mono", text: `@${contact.value}` })]
        : h("span", { class: "mono", text: shownValue(contact) }),
      contact.label ? h("span", { class: "official-label", text: ` — ${contact.label}` }) : null,
    ),
  );
  return h(
    "section",
    { class: "official-list", "aria-labelledby": "official-list-title" },
    h("h3", { id: "official-list-title", text: headings[data.channel] || gettext("Our official contacts") }),
    items.length
      ? [h("p", { class: "small", text: gettext("Compare it with these, character by character:") }), h("ul", {}, items)]
      : h("p", { text: none[data.channel] || none.domain }),
  );
}

function notOfficial(data) {
  const reportUrl = result.dataset.reportUrl || "/contact/";
  const emergencyUrl = result.dataset.emergencyUrl || "/emergency/";
  return h(
    "div",
    { class: "verdict verdict-fake", id: "verdict", dataset: { official: "false" } },
    icon("shieldAlert", 40),
    h(
      "div",
      { class: "verdict-body" },
      h("h2", { text: gettext("NOT an official contact") }),
      h("p", { class: "verdict-contact", text: data.contact || input.value.trim() }),
      h("p", { class: "verdict-lead", text: gettext("This is not one of our official contacts. Treat it as a scam.") }),
      h("h3", { text: gettext("What to do") }),
      h(
        "ul",
        { class: "verdict-steps" },
        h("li", { text: gettext("Do not send it money or crypto, and never share your password, 2FA codes, seed phrase or private keys.") }),
        h("li", { text: gettext("Do not click its links, open its attachments or install anything it asks you to.") }),
        h("li", { text: gettext("Stop replying, and report it to us: we warn other customers and have it taken down.") }),
      ),
      h(
        "p",
        { class: "verdict-actions" },
        h("a", { class: "btn btn-danger", href: reportUrl, id: "verdict-report", text: gettext("Report this contact") }),
        h("a", { class: "btn btn-danger-outline", href: emergencyUrl, text: gettext("I already shared something — freeze my account") }),
      ),
      officialList(data),
    ),
  );
}

function official(data) {
  const titles = {
    email: gettext("Yes — this is an official Exchange Support e-mail address"),
    domain: gettext("Yes — this is an official Exchange Support website"),
    url: gettext("Yes — this is an official Exchange Support link"),
    phone: gettext("Yes — this is an official Exchange Support phone number"),
    telegram: gettext("Yes — this is an official Exchange Support Telegram account"),
  };
  const label = data.match && data.match.label;
  return h(
    "div",
    { class: "verdict verdict-official", id: "verdict", dataset: { official: "true" } },
    icon("checkCircle", 40),
    h(
      "div",
      { class: "verdict-body" },
      h("h2", { text: titles[data.channel] || gettext("Yes — this is an official Exchange Support contact") }),
      h("p", { class: "verdict-contact", text: data.contact || input.value.trim() }),
      label ? h("p", { class: "verdict-label", text: label }) : null,
      data.message ? h("p", { text: data.message, style: "margin-top:8px" }) : null,
      h("p", {
        text: gettext("Even so, never share your password, 2FA codes, seed phrase or private keys. We never ask for them."),
        style: "margin-top:8px",
      }),
    ),
  );
}

function verdict(data) {
  return data.official ? official(data) : notOfficial(data);
}

input.addEventListener("input", () => {
  message.textContent = "";
  input.removeAttribute("aria-invalid");
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const contact = input.value.trim();
  if (!contact) {
    message.className = "field-message is-error";
    message.textContent = gettext("Paste the address, number, account or link you want to check.");
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  busy(
    button,
    async () => {
      try {
        const data = await api.post("verify-contact/", { contact });
        replaceChildren(result, verdict(data));
      } catch (error) {
        if (error.status === 400) {
          const { fields, general } = error.fieldErrors;
          message.className = "field-message is-error";
          message.textContent = [...(fields.contact || []), ...general].join(" ") || describeError(error);
          input.setAttribute("aria-invalid", "true");
          input.focus();
          replaceChildren(result);
        } else {
          replaceChildren(result, h("div", { class: "alert alert-error", role: "alert" }, icon("alert", 20), h("p", { text: describeError(error) })));
        }
      }
    },
    gettext("Checking…"),
  );
});
