// Collision detection in the ticket workspace: who else has the ticket open ("Ana is replying"),
// from a heartbeat to tickets/{reference}/presence/ every few seconds (entries expire on the
// server after ~15 s), and the panel that shows what changed when a reply or a change was sent
// on a ticket that someone else changed meanwhile (the API's 409 with code "stale").

import { api, getCookie } from "/static/portal/api.js";
import { h, replaceChildren } from "/static/portal/dom.js";
import { fmt, formatDateTime, formatRelative } from "/static/portal/i18n.js";

const TYPING_IDLE_MS = 5000; // no key pressed this long: back to "viewing"

function presenceText(other) {
  if (other.state === "typing") return fmt(gettext("%(name)s is replying"), { name: other.name });
  return fmt(gettext("%(name)s is viewing"), { name: other.name });
}

/**
 * Start the heartbeat for this page. `container` shows the others; `typingSource` is the
 * composer's textarea (typing there makes this agent "typing" for the others).
 */
export function startPresence({ base, container, typingSource }) {
  let lastKey = 0;
  let sentState = null;
  let timer = null;
  let everyMs = 4000;
  let stopped = false;

  const currentState = () => (Date.now() - lastKey < TYPING_IDLE_MS && typingSource.value.trim() ? "typing" : "viewing");

  function render(others) {
    container.hidden = others.length === 0;
    replaceChildren(
      container,
      ...others.map((other) =>
        h(
          "span",
          { class: `presence-chip presence-${other.state}`, dataset: { agentId: String(other.id), state: other.state }, title: fmt(gettext("Since %(time)s"), { time: formatDateTime(other.since) }) },
          h("span", { class: "presence-dot", "aria-hidden": "true" }),
          h("span", { text: presenceText(other) }),
        ),
      ),
    );
  }

  async function beat() {
    window.clearTimeout(timer);
    if (stopped) return;
    const state = currentState();
    try {
      const answer = await api.post(`${base}presence/`, { state });
      sentState = state;
      if (answer && answer.heartbeat_seconds) everyMs = answer.heartbeat_seconds * 1000;
      render((answer && answer.others) || []);
    } catch {
      /* throttled or offline: the next beat tries again */
    }
    timer = window.setTimeout(beat, everyMs);
  }

  typingSource.addEventListener("input", () => {
    lastKey = Date.now();
    if (sentState !== "typing" && currentState() === "typing") beat(); // tell the others at once
  });
  // Stopped typing: say so within a beat rather than waiting out the idle time twice.
  window.setInterval(() => {
    if (sentState === "typing" && currentState() === "viewing") beat();
  }, 1000);

  function leave() {
    if (stopped) return;
    stopped = true;
    window.clearTimeout(timer);
    const url = `/api/v1/${base}presence/`;
    // A form body carries the CSRF token (sendBeacon cannot set headers).
    const form = new FormData();
    form.append("state", "left");
    form.append("csrfmiddlewaretoken", getCookie("csrftoken") || "");
    if (!(navigator.sendBeacon && navigator.sendBeacon(url, form))) {
      fetch(url, { method: "DELETE", credentials: "same-origin", keepalive: true, headers: { "X-CSRFToken": getCookie("csrftoken") || "" } }).catch(() => {});
    }
  }
  window.addEventListener("pagehide", leave);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && stopped) {
      stopped = false; // back from the back-forward cache
      beat();
    }
  });

  beat();
  return { beat, leave };
}

/**
 * The 409 "stale" answer drawn in `box`: who changed what since the page loaded, and two ways on:
 * send anyway, or review (the caller reloads the ticket). `describe(event)` words one change.
 */
export function showStaleChanges(box, { changes, describe, actorName, actionLabel, onAnyway, onReview }) {
  box.hidden = false;
  const anyway = h("button", { type: "button", class: "btn btn-primary btn-sm", id: "stale-anyway", text: actionLabel });
  const review = h("button", { type: "button", class: "btn btn-secondary btn-sm", id: "stale-review", text: gettext("Review the changes") });
  const close = () => {
    box.hidden = true;
    replaceChildren(box);
  };
  anyway.addEventListener("click", () => {
    close();
    onAnyway();
  });
  review.addEventListener("click", () => {
    close();
    onReview();
  });
  replaceChildren(
    box,
    h("p", { class: "stale-title" }, h("strong", { text: gettext("This ticket changed since you opened it.") })),
    h(
      "ul",
      { class: "stale-changes" },
      ...changes.map((change) =>
        h(
          "li",
          {},
          h("span", { text: describe(change) }),
          " ",
          h("span", { class: "muted", text: fmt(gettext("by %(name)s"), { name: actorName(change.actor) }) }),
          " ",
          h("time", { datetime: change.at, title: formatDateTime(change.at), text: formatRelative(change.at) }),
        ),
      ),
    ),
    h("div", { class: "stale-actions" }, anyway, review),
  );
  review.focus();
}
