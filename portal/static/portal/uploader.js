// Evidence upload widget: drag-and-drop or file picker, a list with name and size, and a
// progress bar per file. On the new-ticket page files wait until the ticket exists; on the
// ticket page they upload at once.

import { describeError, upload } from "./api.js";
import { fmt, formatBytes } from "./i18n.js";
import { announce, h, icon, replaceChildren } from "./dom.js";

const ALLOWED_EXTENSIONS = new Set(["png", "jpg", "jpeg", "gif", "webp", "heic", "bmp", "pdf", "eml", "txt"]);
const ALLOWED_TYPES = new Set(["application/pdf", "message/rfc822", "text/plain"]);

function extension(name) {
  const dot = name.lastIndexOf(".");
  return dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
}

function allowed(file) {
  return file.type.startsWith("image/") || ALLOWED_TYPES.has(file.type) || ALLOWED_EXTENSIONS.has(extension(file.name));
}

export class Uploader {
  /**
   * @param {HTMLElement} root — element holding [data-dropzone], [data-file-list], [data-upload-status]
   * @param {{immediate?: () => string|null, onUploaded?: (attachment) => void}} options
   *   immediate: returns the upload URL to send files to as soon as they are chosen.
   */
  constructor(root, { immediate = null, onUploaded = null } = {}) {
    this.zone = root.querySelector("[data-dropzone]");
    this.list = root.querySelector("[data-file-list]");
    this.status = root.querySelector("[data-upload-status]");
    this.input = root.querySelector(".file-input");
    this.maxBytes = Number(this.zone.dataset.maxBytes) || 10 * 1024 * 1024;
    this.immediate = immediate;
    this.onUploaded = onUploaded;
    this.items = [];
    this.bind();
  }

  bind() {
    this.input.addEventListener("change", () => {
      this.add(this.input.files);
      this.input.value = "";
    });
    const over = (event) => {
      event.preventDefault();
      this.zone.classList.add("is-over");
    };
    const leave = () => this.zone.classList.remove("is-over");
    this.zone.addEventListener("dragenter", over);
    this.zone.addEventListener("dragover", over);
    this.zone.addEventListener("dragleave", leave);
    this.zone.addEventListener("drop", (event) => {
      event.preventDefault();
      leave();
      if (event.dataTransfer && event.dataTransfer.files) this.add(event.dataTransfer.files);
    });
  }

  /** Files waiting to be sent (valid, not yet uploaded). */
  get pending() {
    return this.items.filter((item) => item.state === "queued");
  }

  add(fileList) {
    const added = [];
    for (const file of Array.from(fileList || [])) {
      const item = { file, state: "queued", error: null };
      if (!allowed(file)) {
        item.state = "rejected";
        item.error = gettext("This type of file is not accepted. Use an image, PDF, .eml or .txt file.");
      } else if (file.size > this.maxBytes) {
        item.state = "rejected";
        item.error = fmt(gettext("This file is larger than %(size)s."), { size: formatBytes(this.maxBytes) });
      } else if (file.size === 0) {
        item.state = "rejected";
        item.error = gettext("This file is empty.");
      }
      this.render(item);
      this.items.push(item);
      added.push(item);
    }
    const accepted = added.filter((item) => item.state === "queued").length;
    const rejected = added.length - accepted;
    let message = fmt(ngettext("%(count)s file added.", "%(count)s files added.", accepted), { count: accepted });
    if (rejected) {
      message += ` ${fmt(ngettext("%(count)s file could not be added.", "%(count)s files could not be added.", rejected), { count: rejected })}`;
    }
    announce(this.status, message);
    if (this.immediate) {
      const url = this.immediate();
      if (url) this.uploadAll(url);
    }
  }

  render(item) {
    const name = h("span", { class: "file-name", text: item.file.name, title: item.file.name });
    item.meta = h("span", { class: "file-meta" });
    item.progress = h("progress", { max: "100", value: "0", hidden: true, "aria-label": fmt(gettext("Upload progress for %(name)s"), { name: item.file.name }) });
    item.remove = h(
      "button",
      { type: "button", class: "icon-button", "aria-label": fmt(gettext("Remove %(name)s"), { name: item.file.name }) },
      icon("x", 14),
      h("span", { text: gettext("Remove") }),
    );
    item.remove.addEventListener("click", () => {
      this.items = this.items.filter((other) => other !== item);
      item.li.remove();
      announce(this.status, fmt(gettext("%(name)s removed."), { name: item.file.name }));
      this.input.focus();
    });
    item.li = h("li", { class: "file-item" }, h("span", { class: "file-icon" }, icon("file", 22)), name, item.remove, item.meta, item.progress);
    this.update(item);
    this.list.append(item.li);
  }

  update(item) {
    const size = formatBytes(item.file.size);
    item.meta.className = "file-meta";
    item.remove.hidden = item.state === "uploading" || item.state === "done";
    item.progress.hidden = item.state !== "uploading";
    if (item.state === "rejected" || item.state === "failed") {
      item.meta.classList.add("is-error");
      replaceChildren(item.meta, `${size} · ${item.error}`);
    } else if (item.state === "done") {
      item.meta.classList.add("is-ok");
      replaceChildren(item.meta, `${size} · ${gettext("Uploaded")}`);
    } else if (item.state === "uploading") {
      replaceChildren(item.meta, `${size} · ${gettext("Uploading…")}`);
    } else {
      replaceChildren(item.meta, `${size} · ${this.immediate ? gettext("Waiting…") : gettext("Will be sent with your ticket")}`);
    }
  }

  /** Upload every pending file to `url`, one at a time. Returns the files that failed. */
  async uploadAll(url) {
    const failed = [];
    for (const item of this.pending) {
      item.state = "uploading";
      item.progress.value = 0;
      this.update(item);
      try {
        const attachment = await upload(url, item.file, {
          onProgress: (fraction) => {
            item.progress.value = Math.round(fraction * 100);
          },
        });
        item.state = "done";
        item.attachment = attachment;
        this.update(item);
        announce(this.status, fmt(gettext("%(name)s uploaded."), { name: item.file.name }));
        if (this.onUploaded) this.onUploaded(attachment);
      } catch (error) {
        item.state = "failed";
        const fieldMessage = error.fieldErrors ? error.fieldErrors.fields.file : null;
        item.error = fieldMessage && fieldMessage.length ? fieldMessage.join(" ") : describeError(error);
        this.update(item);
        announce(this.status, fmt(gettext("%(name)s could not be uploaded: %(reason)s"), { name: item.file.name, reason: item.error }));
        failed.push(item);
      }
    }
    return failed;
  }
}
