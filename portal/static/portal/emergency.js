// "My account is compromised": one press makes an urgent security ticket and asks the exchange to
// freeze the account (logged in: verified at once; without a login: once the mailed link is opened).

import { api, describeError } from "./api.js";
import { busy, h, icon, replaceChildren } from "./dom.js";

const form = document.getElementById("emergency-form");
const email = document.getElementById("emergency-email");
const details = document.getElementById("emergency-details");
const button = document.getElementById("emergency-button");
const result = document.getElementById("emergency-result");
const loggedIn = form.dataset.loggedIn === "true";

function fieldError(input, text) {
  const message = document.getElementById(`${input.id}-msg`);
  if (!("hint" in message.dataset)) message.dataset.hint = message.textContent;
  message.className = text ? "field-message is-error" : "field-message";
  message.textContent = text || message.dataset.hint;
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function done(response) {
  form.hidden = true;
  const children = [
    h("p", { class: "alert-title", text: gettext("Done: your account is being frozen") }),
    h("p", { text: response.detail }),
  ];
  if (response.reference) {
    children.push(h("p", {}, gettext("Your reference: "), h("a", { href: `/tickets/${response.reference}/`, class: "mono", text: response.reference })));
  }
  replaceChildren(
    result,
    h("div", { class: "alert alert-success", role: "status", tabindex: "-1", id: "emergency-done" }, icon("checkCircle", 20), h("div", {}, ...children)),
    h("h2", { text: gettext("What to do now") }),
    h("ol", { id: "emergency-next-steps" }, ...response.next_steps.map((step) => h("li", { text: step }))),
  );
  if (response.secret_warning) {
    result.prepend(h("div", { class: "alert alert-error", role: "alert" }, icon("alert", 20), h("p", { text: response.secret_warning })));
  }
  document.getElementById("emergency-done").focus();
}

if (email) email.addEventListener("input", () => fieldError(email, ""));

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = { details: details.value.trim() };
  if (!loggedIn) {
    data.email = email.value.trim();
    if (!email.checkValidity() || !data.email) {
      fieldError(email, gettext("Enter the e-mail address of your account."));
      email.focus();
      return;
    }
  }
  busy(
    button,
    async () => {
      try {
        done(await api.post(loggedIn ? "account-compromised/" : "guest/account-compromised/", data));
      } catch (error) {
        if (error.status === 400 && email && error.fieldErrors.fields.email) {
          fieldError(email, error.fieldErrors.fields.email.join(" "));
        } else {
          replaceChildren(result, h("div", { class: "alert alert-error", role: "alert" }, icon("alert", 20), h("p", { text: describeError(error) })));
        }
      }
    },
    gettext("Sending…"),
  );
});
