// The customer's account page: reads GET account/ and saves each section through its own endpoint
// (PATCH account/, POST account/email/, account/password/, account/sessions/revoke/).

import { api, describeError } from "./api.js";
import { busy, toast } from "./dom.js";

const $ = (id) => document.getElementById(id);

function fieldMessage(input, text, ok = false) {
  const message = $(`${input.id}-msg`);
  if (!message) return;
  message.className = text ? `field-message ${ok ? "is-ok" : "is-error"}` : "field-message";
  message.textContent = text || "";
  if (text && !ok) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function showErrors(error, inputs, fallbackInput) {
  if (error.status === 400 && error.fieldErrors) {
    const { fields, general } = error.fieldErrors;
    let shown = false;
    for (const [name, input] of Object.entries(inputs)) {
      if (fields[name]) {
        fieldMessage(input, fields[name].join(" "));
        shown = true;
      }
    }
    if (!shown) fieldMessage(fallbackInput, general.join(" ") || describeError(error));
  } else {
    fieldMessage(fallbackInput, describeError(error));
  }
}

function fillTimeZones(select, current) {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  if (current && !zones.includes(current)) zones.unshift(current);
  for (const zone of zones) select.append(new Option(zone.replaceAll("_", " "), zone));
  select.value = current || "";
  const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (browser) select.options[0].textContent = interpolate(gettext("Use my browser's time zone (%(zone)s)"), { zone: browser }, true);
}

async function load() {
  try {
    const account = await api.get("account/");
    $("account-code").value = account.anti_phishing_code || "";
    $("account-language").value = account.language;
    $("account-email-current").textContent = account.email || gettext("no address yet");
    fillTimeZones($("account-tz"), account.time_zone);
  } catch (error) {
    $("account-load").textContent = describeError(error);
  }
}

$("phishing-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("account-code");
  fieldMessage(input, "");
  busy($("phishing-save"), async () => {
    try {
      const account = await api.patch("account/", { anti_phishing_code: input.value.trim() });
      input.value = account.anti_phishing_code;
      fieldMessage(input, account.anti_phishing_code ? gettext("Saved. Our next e-mails show this code at the top.") : gettext("Saved. Our e-mails no longer show a code."), true);
    } catch (error) {
      showErrors(error, { anti_phishing_code: input }, input);
    }
  }, gettext("Saving…"));
});

$("prefs-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const language = $("account-language");
  const zone = $("account-tz");
  const before = document.documentElement.lang;
  busy($("prefs-save"), async () => {
    try {
      await api.patch("account/", { language: language.value, time_zone: zone.value });
      if (language.value !== before) window.location.reload();
      else fieldMessage(zone, gettext("Saved."), true);
    } catch (error) {
      showErrors(error, { language, time_zone: zone }, zone);
    }
  }, gettext("Saving…"));
});

$("email-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const email = $("account-email");
  const password = $("account-email-password");
  fieldMessage(email, "");
  fieldMessage(password, "");
  if (!email.value.trim() || !email.checkValidity()) {
    fieldMessage(email, gettext("Enter a valid e-mail address."));
    email.focus();
    return;
  }
  busy($("email-save"), async () => {
    try {
      const response = await api.post("account/email/", { email: email.value.trim(), password: password.value });
      password.value = "";
      fieldMessage(email, response.detail, true);
    } catch (error) {
      showErrors(error, { email, password }, email);
    }
  }, gettext("Sending…"));
});

$("password-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const oldPassword = $("account-old-password");
  const newPassword = $("account-new-password");
  fieldMessage(oldPassword, "");
  fieldMessage(newPassword, "");
  busy($("password-save"), async () => {
    try {
      const response = await api.post("account/password/", { old_password: oldPassword.value, new_password: newPassword.value });
      oldPassword.value = "";
      newPassword.value = "";
      fieldMessage(newPassword, response.detail, true);
    } catch (error) {
      showErrors(error, { old_password: oldPassword, new_password: newPassword }, newPassword);
    }
  }, gettext("Saving…"));
});

$("sessions-revoke").addEventListener("click", (event) => {
  if (!window.confirm(gettext("Log out of every session and revoke every API token, including this browser?"))) return;
  busy(event.currentTarget, async () => {
    try {
      await api.post("account/sessions/revoke/");
      window.location.assign("/login/?next=/account/");
    } catch (error) {
      toast(describeError(error));
    }
  }, gettext("Logging out…"));
});

load();
