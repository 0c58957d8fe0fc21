// One help article, with helpful / not helpful votes.

import { api, describeError, results } from "./api.js";
import { fmt, formatDate } from "./i18n.js";
import { errorAlert, h, replaceChildren } from "./dom.js";

const root = document.getElementById("article");
const slug = root.dataset.slug;
const title = document.getElementById("article-title");
const meta = document.getElementById("article-meta");
const body = document.getElementById("article-body");
const voteSection = document.getElementById("vote-section");
const voteResult = document.getElementById("vote-result");
const voteKey = `portal-vote:${slug}`;

async function load() {
  try {
    const article = await api.get(`articles/${encodeURIComponent(slug)}/`);
    title.textContent = article.title;
    document.title = `${article.title} · ${gettext("Exchange Support")}`;
    const updated = article.updated_at || article.published_at || article.created_at;
    meta.textContent = updated ? fmt(gettext("Updated %(date)s"), { date: formatDate(updated) }) : "";
    // body_html is rendered from Markdown and sanitised by the server; it is the only HTML we insert.
    body.innerHTML = article.body_html || "";
    if (article.category) showCategory(article.category);
    voteSection.hidden = false;
    if (sessionStorage.getItem(voteKey)) showVoted(sessionStorage.getItem(voteKey) === "true");
  } catch (error) {
    title.textContent = error.status === 404 ? gettext("Article not found") : gettext("This article could not be loaded");
    meta.textContent = "";
    replaceChildren(
      body,
      errorAlert(
        error.status === 404
          ? gettext("It may have been moved or unpublished. Try searching the help center.")
          : describeError(error),
      ),
      h("a", { class: "btn btn-secondary", href: "/", text: gettext("Back to the help center") }),
    );
  } finally {
    root.removeAttribute("aria-busy");
  }
}

async function showCategory(code) {
  try {
    const category = results(await api.get("categories/")).find((c) => c.code === code);
    if (!category) return;
    const crumb = document.getElementById("crumb-category");
    crumb.textContent = category.name;
    crumb.hidden = false;
    // Filing from here starts with the article's topic already chosen.
    const contact = document.getElementById("article-contact");
    const url = new URL(contact.href, window.location.origin);
    url.searchParams.set("category", code);
    contact.href = url.pathname + url.search;
  } catch {
    // The breadcrumb is a nicety; the article is what matters.
  }
}

function showVoted(helpful) {
  for (const button of voteSection.querySelectorAll("button")) button.disabled = true;
  if (helpful) {
    voteResult.textContent = gettext("Thank you for your feedback.");
  } else {
    replaceChildren(
      voteResult,
      gettext("Thank you. Sorry this didn't help — a person can."),
      " ",
      h("a", { href: document.getElementById("article-contact").href, text: gettext("Contact support") }),
    );
  }
}

voteSection.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-helpful]");
  if (!button) return;
  const helpful = button.dataset.helpful === "true";
  for (const b of voteSection.querySelectorAll("button")) b.disabled = true;
  try {
    await api.post(`articles/${encodeURIComponent(slug)}/vote/`, { helpful });
    sessionStorage.setItem(voteKey, String(helpful));
    showVoted(helpful);
  } catch (error) {
    for (const b of voteSection.querySelectorAll("button")) b.disabled = false;
    voteResult.textContent = describeError(error);
  }
});

load();
