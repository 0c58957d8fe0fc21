// "My link expired": ask for a fresh private link with the e-mail address and the ticket reference.
// The answer is the same whether or not they match, so it tells nobody which tickets exist.

import { api, describeError } from "./api.js";
import { busy, h, icon, replaceChildren } from "./dom.js";

const form = document.getElementById("guest-link-form");
const email = document.getElementById("guest-link-email");
const reference = document.getElementById("guest-link-reference");
const button = document.getElementById("guest-link-button");
const result = document.getElementById("guest-link-result");
const REFERENCE = /^SD-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

function fieldError(input, text) {
  const message = document.getElementById(`${input.id}-msg`);
  message.className = text ? "field-message is-error" : "field-message";
  message.textContent = text || "";
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

for (const input of [email, reference]) input.addEventListener("input", () => fieldError(input, ""));

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = { email: email.value.trim(), reference: reference.value.trim().toUpperCase() };
  let first = null;
  if (!email.checkValidity() || !data.email) {
    fieldError(email, gettext("Enter the e-mail address you used for the ticket."));
    first = first || email;
  }
  if (!REFERENCE.test(data.reference)) {
    fieldError(reference, gettext("A reference looks like SD-XXXX-XXXX-XXXX."));
    first = first || reference;
  }
  if (first) {
    first.focus();
    return;
  }
  busy(
    button,
    async () => {
      try {
        const response = await api.post("guest/links/", data);
        form.hidden = true;
        replaceChildren(
          result,
          h(
            "div",
            { class: "alert alert-success", role: "status", tabindex: "-1", id: "guest-link-sent" },
            icon("checkCircle", 20),
            h("div", {}, h("p", { class: "alert-title", text: gettext("Check your inbox") }), h("p", { text: response.detail })),
          ),
        );
        document.getElementById("guest-link-sent").focus();
      } catch (error) {
        if (error.status === 400) {
          const { fields, general } = error.fieldErrors;
          if (fields.email) fieldError(email, fields.email.join(" "));
          if (fields.reference) fieldError(reference, fields.reference.join(" "));
          if (general.length) replaceChildren(result, h("div", { class: "alert alert-error", role: "alert" }, icon("alert", 20), h("p", { text: general.join(" ") })));
        } else {
          replaceChildren(result, h("div", { class: "alert alert-error", role: "alert" }, icon("alert", 20), h("p", { text: describeError(error) })));
        }
      }
    },
    gettext("Sending…"),
  );
});
