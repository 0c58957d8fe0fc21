// "Is this really us?": check an e-mail address, domain, phone number, Telegram account or link.

import { api, describeError } from "./api.js";
import { busy, h, icon, replaceChildren } from "./dom.js";

const form = document.getElementById("verify-form");
const input = document.getElementById("verify-contact");
const message = document.getElementById("verify-msg");
const result = document.getElementById("verify-result");
const button = document.getElementById("verify-button");

function verdict(data) {
  const official = Boolean(data.official);
  const officialTitles = {
    email: gettext("Yes — this is an official Exchange Support e-mail address"),
    domain: gettext("Yes — this is an official Exchange Support website"),
    url: gettext("Yes — this is an official Exchange Support link"),
    phone: gettext("Yes — this is an official Exchange Support phone number"),
    telegram: gettext("Yes — this is an official Exchange Support Telegram account"),
  };
  const title = official
    ? officialTitles[data.channel] || gettext("Yes — this is an official Exchange Support contact")
    : gettext("No — this is not one of our official contacts");
  const advice = official
    ? gettext("Even so, never share your password, 2FA codes, seed phrase or private keys. We never ask for them.")
    : gettext("Do not reply, click links or send anything. If you already shared codes or keys, report it to us at once.");
  return h(
    "div",
    { class: `verdict ${official ? "verdict-official" : "verdict-fake"}`, role: "status" },
    icon(official ? "checkCircle" : "xCircle", 40),
    h(
      "div",
      {},
      h("h2", { text: title }),
      h("p", { class: "verdict-contact", text: data.contact || input.value.trim() }),
      data.message ? h("p", { text: data.message, style: "margin-top:8px" }) : null,
      h("p", { text: advice, style: "margin-top:8px" }),
      official ? null : h("p", { style: "margin-top:12px" }, h("a", { class: "btn btn-sm btn-danger-outline", href: "/guest/new/?category=account_compromised", text: gettext("I shared something — get help now") })),
    ),
  );
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
