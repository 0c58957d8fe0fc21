// Translation and formatting helpers.
//
// Strings are translated with Django's JavaScript catalog (jsi18n, loaded by base.html before the
// modules): call the global gettext()/ngettext()/interpolate() with literal strings so that
// `makemessages -d djangojs` finds them. Dates and numbers use Intl in the page's language and the
// user's own time zone.

if (typeof window.gettext !== "function") {
  // The catalog failed to load: keep the page usable, in English.
  window.gettext = (msgid) => msgid;
  window.ngettext = (singular, plural, count) => (count === 1 ? singular : plural);
  window.pgettext = (context, msgid) => msgid;
  window.interpolate = (fmt, obj, named) =>
    named
      ? fmt.replace(/%\((\w+)\)s/g, (_match, key) => String(obj[key]))
      : fmt.replace(/%s/g, () => String(obj.shift()));
}

export const LANG = document.documentElement.lang || "en";

/** interpolate() with named placeholders: fmt(gettext("Due %(time)s"), {time}). */
export function fmt(template, values) {
  return window.interpolate(template, values, true);
}

function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

const dateTimeFormat = new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeStyle: "short" });
const dateTimeZoneFormat = new Intl.DateTimeFormat(LANG, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  timeZoneName: "short",
});
const timeZoneFormat = new Intl.DateTimeFormat(LANG, { hour: "numeric", minute: "2-digit", timeZoneName: "short" });
const dateFormat = new Intl.DateTimeFormat(LANG, { dateStyle: "medium" });
const relativeFormat = new Intl.RelativeTimeFormat(LANG, { numeric: "auto" });

/** "25 Nov 2026, 14:05" in the user's local time. */
export function formatDateTime(value) {
  const date = toDate(value);
  return date ? dateTimeFormat.format(date) : "";
}

/** A promise time, with its zone so nobody has to guess: "14:05 GMT+8" today, else with the date. */
export function formatPromise(value) {
  const date = toDate(value);
  if (!date) return "";
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay ? timeZoneFormat.format(date) : dateTimeZoneFormat.format(date);
}

export function formatDate(value) {
  const date = toDate(value);
  return date ? dateFormat.format(date) : "";
}

/** "3 minutes ago", "in 2 hours", "yesterday". */
export function formatRelative(value, now = Date.now()) {
  const date = toDate(value);
  if (!date) return "";
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relativeFormat.format(0, "second");
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relativeFormat.format(Math.round(seconds / 3600), "hour");
  if (abs < 86400 * 30) return relativeFormat.format(Math.round(seconds / 86400), "day");
  if (abs < 86400 * 365) return relativeFormat.format(Math.round(seconds / (86400 * 30)), "month");
  return relativeFormat.format(Math.round(seconds / (86400 * 365)), "year");
}

function unit(name) {
  return new Intl.NumberFormat(LANG, { style: "unit", unit: name, unitDisplay: "narrow" });
}
const units = { day: unit("day"), hour: unit("hour"), minute: unit("minute"), second: unit("second") };

/** A countdown: "1d 3h", "2h 41m 09s", "41m 09s" (localised units). */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return [units.day.format(days), units.hour.format(hours)].join(" ");
  const parts = [];
  if (hours > 0) parts.push(units.hour.format(hours));
  parts.push(units.minute.format(minutes));
  parts.push(units.second.format(seconds));
  return parts.join(" ");
}

/** A short, non-ticking duration for text: "3h 12m", "2d 4h", "5m". */
export function formatDurationShort(ms) {
  const total = Math.max(0, Math.floor(ms / 60000));
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  if (days > 0) return [units.day.format(days), units.hour.format(hours)].join(" ");
  if (hours > 0) return [units.hour.format(hours), units.minute.format(minutes)].join(" ");
  return units.minute.format(Math.max(1, minutes));
}

const byteUnits = ["byte", "kilobyte", "megabyte", "gigabyte"];
export function formatBytes(bytes) {
  let value = Number(bytes) || 0;
  let index = 0;
  while (value >= 1024 && index < byteUnits.length - 1) {
    value /= 1024;
    index += 1;
  }
  return new Intl.NumberFormat(LANG, {
    style: "unit",
    unit: byteUnits[index],
    unitDisplay: index === 0 ? "narrow" : "short",
    maximumFractionDigits: index === 0 ? 0 : 1,
  }).format(value);
}

export function formatNumber(value) {
  return new Intl.NumberFormat(LANG).format(value);
}

export function statusLabel(status) {
  const labels = {
    new: gettext("Received"),
    open: gettext("In progress"),
    pending_customer: gettext("Waiting for your reply"),
    on_hold: gettext("On hold"),
    solved: gettext("Solved"),
    closed: gettext("Closed"),
  };
  return labels[status] || status || "";
}

export function priorityLabel(priority) {
  const labels = {
    urgent: gettext("Urgent"),
    high: gettext("High"),
    normal: gettext("Normal"),
    low: gettext("Low"),
  };
  return labels[priority] || priority || "";
}

export function waitingOnLabel(waitingOn) {
  if (waitingOn === "agent") return gettext("Support is working on it");
  if (waitingOn === "customer") return gettext("Waiting for your reply");
  return gettext("Done");
}

export function incidentStatusLabel(status) {
  const labels = {
    investigating: gettext("Investigating"),
    identified: gettext("Identified"),
    monitoring: gettext("Monitoring"),
    resolved: gettext("Resolved"),
  };
  return labels[status] || status || "";
}

export function fieldLabel(name) {
  const labels = {
    email: gettext("E-mail address"),
    category: gettext("Topic"),
    subject: gettext("Subject"),
    body: gettext("Description"),
    asset: gettext("Asset"),
    network: gettext("Network"),
    amount: gettext("Amount"),
    txid: gettext("Transaction hash (TxID)"),
    address: gettext("Address"),
    memo: gettext("Memo / tag"),
    order_id: gettext("Order ID"),
    rating: gettext("Rating"),
    comment: gettext("Comment"),
    file: gettext("File"),
  };
  return labels[name] || name;
}

export function channelLabel(channel) {
  const labels = {
    email: gettext("E-mail address"),
    domain: gettext("Website"),
    url: gettext("Link"),
    phone: gettext("Phone number"),
    telegram: gettext("Telegram account"),
  };
  return labels[channel] || "";
}
