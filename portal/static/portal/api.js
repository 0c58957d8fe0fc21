// The portal's only way to talk to the server: the public REST API under /api/v1/.
//
// Session auth with CSRF (cookie `csrftoken` → header `X-CSRFToken`) for logged-in users, or
// `Authorization: Guest <token>` for a ticket opened from a mailed link. Errors become ApiError
// with the field errors, the detail message and, for 429, the Retry-After delay.

import { fmt } from "./i18n.js";

const API_ROOT = "/api/v1/";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

let guestToken = null;

export function setGuestToken(token) {
  guestToken = token || null;
}

export function isGuest() {
  return guestToken !== null;
}

export function getCookie(name) {
  for (const part of document.cookie ? document.cookie.split(";") : []) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

function csrfToken() {
  const cookie = getCookie("csrftoken");
  if (cookie) return cookie;
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

/** Seconds to wait, from a Retry-After header (seconds or an HTTP date). */
function parseRetryAfter(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export class ApiError extends Error {
  constructor(status, data, retryAfter = null) {
    super(`API error ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.data = data;
    this.retryAfter = retryAfter;
  }

  /** The server's own explanation, when it sent one. */
  get detail() {
    if (this.data && typeof this.data === "object" && !Array.isArray(this.data)) {
      if (typeof this.data.detail === "string") return this.data.detail;
    }
    return null;
  }

  /** {field: [messages]} from a 400; `non_field_errors` and list bodies go to `_general`. */
  get fieldErrors() {
    return splitErrors(this.data);
  }
}

export function splitErrors(data) {
  const fields = {};
  const general = [];
  const flatten = (value) => {
    if (value === null || value === undefined) return [];
    if (Array.isArray(value)) return value.flatMap(flatten);
    if (typeof value === "object") return Object.values(value).flatMap(flatten);
    return [String(value)];
  };
  if (Array.isArray(data) || typeof data === "string") {
    general.push(...flatten(data));
  } else if (data && typeof data === "object") {
    for (const [key, value] of Object.entries(data)) {
      if (key === "detail" || key === "non_field_errors" || key === "__all__") general.push(...flatten(value));
      else fields[key] = flatten(value);
    }
  }
  return { fields, general };
}

/** "in 2 minutes" for a number of seconds. */
export function retryAfterText(seconds) {
  if (seconds === null || seconds === undefined) return gettext("Please try again in a little while.");
  const rtf = new Intl.RelativeTimeFormat(document.documentElement.lang || "en", { numeric: "auto" });
  const when =
    seconds < 90
      ? rtf.format(Math.max(1, seconds), "second")
      : seconds < 5400
        ? rtf.format(Math.ceil(seconds / 60), "minute")
        : rtf.format(Math.ceil(seconds / 3600), "hour");
  return fmt(gettext("Please try again %(when)s."), { when });
}

/** One friendly sentence for any failure, in the user's language. */
export function describeError(error) {
  if (!(error instanceof ApiError)) return gettext("Something went wrong. Please try again.");
  if (error.status === 0) return gettext("We couldn't reach the server. Check your connection and try again.");
  if (error.status === 429) {
    return [gettext("You're doing that too often."), retryAfterText(error.retryAfter)].join(" ");
  }
  if (error.status === 401) return error.detail || gettext("Please log in again to continue.");
  if (error.status === 403) return error.detail || gettext("You are not allowed to do this.");
  if (error.status === 404) return error.detail || gettext("We couldn't find what you were looking for.");
  if (error.status === 409) return error.detail || gettext("This changed in the meantime. Please reload the page.");
  if (error.status === 413) return gettext("That file is too large.");
  if (error.status >= 500) return gettext("Something went wrong on our side. Please try again in a moment.");
  if (error.detail) return error.detail;
  const { fields, general } = error.fieldErrors;
  const first = general[0] || Object.values(fields).flat()[0];
  return first || gettext("Something went wrong. Please try again.");
}

function buildUrl(path, query) {
  const base = path.startsWith("/") ? path : API_ROOT + path;
  if (!query) return base;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.append(key, value);
  }
  const qs = params.toString();
  if (!qs) return base;
  return base + (base.includes("?") ? "&" : "?") + qs;
}

function headersFor(method, extra = {}) {
  const headers = { Accept: "application/json", ...extra };
  if (!SAFE_METHODS.has(method)) headers["X-CSRFToken"] = csrfToken();
  if (guestToken) headers.Authorization = `Guest ${guestToken}`;
  return headers;
}

async function readBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  const text = await response.text();
  return text ? { detail: null, text } : null;
}

export async function request(path, { method = "GET", json, query, signal, headers } = {}) {
  const init = { method, headers: headersFor(method, headers), credentials: "same-origin", signal };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(buildUrl(path, query), init);
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, null);
  }
  const data = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, data, parseRetryAfter(response.headers.get("Retry-After")));
  return data;
}

export const api = {
  get: (path, query, options = {}) => request(path, { ...options, method: "GET", query }),
  post: (path, json = {}, options = {}) => request(path, { ...options, method: "POST", json }),
  patch: (path, json = {}, options = {}) => request(path, { ...options, method: "PATCH", json }),
};

/** A list from either a plain array or a paginated {results: [...]} body. */
/** The path and query of a paginated list's `next`/`previous` link, for api.get(). */
export function pagePath(url) {
  try {
    const parsed = new URL(url, window.location.origin);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

export function results(data) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data.results)) return data.results;
  return [];
}

/** Fetch a file with the same credentials as the API calls (guests need their header). */
export async function fetchBlob(url) {
  let response;
  try {
    response = await fetch(url, { headers: headersFor("GET", { Accept: "*/*" }), credentials: "same-origin" });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    throw new ApiError(response.status, await readBody(response), parseRetryAfter(response.headers.get("Retry-After")));
  }
  return response.blob();
}

/**
 * Upload one file as multipart field `file` with progress (fetch cannot report upload progress).
 * Resolves with the parsed response (the attachment, with its sha256); rejects with ApiError.
 */
export function upload(path, file, { onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", buildUrl(path));
    const headers = headersFor("POST");
    for (const [key, value] of Object.entries(headers)) xhr.setRequestHeader(key, value);
    xhr.withCredentials = true;
    if (onProgress) {
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
    }
    xhr.addEventListener("load", () => {
      let data = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data, parseRetryAfter(xhr.getResponseHeader("Retry-After"))));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, null)));
    xhr.addEventListener("abort", () => reject(new ApiError(0, null)));
    const body = new FormData();
    body.append("file", file, file.name);
    xhr.send(body);
  });
}
