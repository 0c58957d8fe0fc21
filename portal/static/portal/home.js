// Help-center home: live article search, active incidents, topics and popular articles.

import { api, describeError, results } from "./api.js";
import { fmt } from "./i18n.js";
import { articleLink, categoryIcon, clear, debounce, h, incidentCard, replaceChildren, skeletons } from "./dom.js";

const loggedIn = document.body.dataset.authenticated === "true";

// ---------- Search ----------
const searchInput = document.getElementById("search-input");
const searchBox = document.getElementById("search-results");
const searchStatus = document.getElementById("search-status");
const searchList = document.getElementById("search-list");
let searchController = null;

function contactHref(category) {
  const target = category ? `/tickets/new/?category=${encodeURIComponent(category)}` : "/tickets/new/";
  if (loggedIn) return target;
  return category ? `/contact/?category=${encodeURIComponent(category)}` : "/contact/";
}

async function search(query) {
  const q = query.trim();
  if (searchController) searchController.abort();
  if (q.length < 2) {
    searchBox.hidden = true;
    clear(searchList);
    searchStatus.textContent = "";
    return;
  }
  searchController = new AbortController();
  searchBox.hidden = false;
  searchStatus.textContent = gettext("Searching…");
  try {
    const articles = results(await api.get("articles/", { q }, { signal: searchController.signal })).slice(0, 8);
    clear(searchList);
    if (articles.length === 0) {
      searchStatus.textContent = fmt(gettext("No articles match “%(query)s”."), { query: q });
      searchList.append(
        h(
          "li",
          { class: "search-empty" },
          h("p", { text: gettext("Try other words, or ask a person — we'll tell you when they'll answer.") }),
          h("a", { class: "btn btn-primary btn-sm", href: contactHref(null), text: gettext("Ask support") }),
        ),
      );
      return;
    }
    searchStatus.textContent = fmt(
      ngettext("%(count)s article found", "%(count)s articles found", articles.length),
      { count: articles.length },
    );
    for (const article of articles) searchList.append(h("li", {}, articleLink(article)));
  } catch (error) {
    if (error.name === "AbortError") return;
    clear(searchList);
    searchStatus.textContent = describeError(error);
  }
}

const debouncedSearch = debounce(search, 250);
searchInput.addEventListener("input", () => debouncedSearch(searchInput.value));
document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  debouncedSearch.flush(searchInput.value);
});
searchInput.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    searchInput.value = "";
    search("");
  } else if (event.key === "ArrowDown") {
    const first = searchList.querySelector("a");
    if (first) {
      event.preventDefault();
      first.focus();
    }
  }
});
searchList.addEventListener("keydown", (event) => {
  const links = Array.from(searchList.querySelectorAll("a"));
  const index = links.indexOf(document.activeElement);
  if (index < 0) return;
  if (event.key === "ArrowDown" && index < links.length - 1) {
    event.preventDefault();
    links[index + 1].focus();
  } else if (event.key === "ArrowUp") {
    event.preventDefault();
    (index === 0 ? searchInput : links[index - 1]).focus();
  }
});
if (searchInput.value) search(searchInput.value);

// ---------- Incidents ----------
async function loadIncidents() {
  const section = document.getElementById("incidents");
  const list = document.getElementById("incident-list");
  try {
    const incidents = results(await api.get("incidents/", { active: "true" }));
    if (incidents.length === 0) return;
    replaceChildren(list, ...incidents.map((incident) => incidentCard(incident)));
    section.hidden = false;
  } catch {
    // No banner is better than a broken one; the rest of the page still works.
  }
}

// ---------- Topics ----------
const categoryGrid = document.getElementById("category-grid");
const panel = document.getElementById("category-panel");
const panelTitle = document.getElementById("category-panel-title");
const panelBody = document.getElementById("category-panel-body");
const panelContact = document.getElementById("category-panel-contact");

function articleCategory(article) {
  const value = article.category;
  if (value && typeof value === "object") return value.code;
  return value;
}

async function showCategory(category, button) {
  for (const other of categoryGrid.querySelectorAll("button")) other.setAttribute("aria-pressed", "false");
  button.setAttribute("aria-pressed", "true");
  panel.hidden = false;
  panelTitle.textContent = category.name;
  panelContact.href = contactHref(category.code);
  replaceChildren(panelBody, ...skeletons(2));
  try {
    let articles = results(await api.get("articles/", { category: category.code }));
    if (articles.some((article) => articleCategory(article))) {
      articles = articles.filter((article) => articleCategory(article) === category.code);
    }
    if (articles.length === 0) {
      replaceChildren(panelBody, h("p", { class: "muted mb-0", text: gettext("No articles on this topic yet.") }));
    } else {
      replaceChildren(
        panelBody,
        h("ul", { class: "article-list" }, ...articles.slice(0, 8).map((article) => h("li", {}, articleLink(article)))),
      );
    }
  } catch (error) {
    replaceChildren(panelBody, h("p", { class: "muted mb-0", text: describeError(error) }));
  }
}

async function loadCategories() {
  try {
    const categories = results(await api.get("categories/"));
    const buttons = categories.map((category) => {
      const button = h(
        "button",
        {
          type: "button",
          class: "category-card",
          "aria-pressed": "false",
          "aria-controls": "category-panel",
          dataset: { urgent: String(category.code === "account_compromised") },
        },
        h("span", { class: "category-icon" }, categoryIcon(category.code)),
        h(
          "span",
          {},
          h("span", { class: "category-name", text: category.name }),
          h("span", { class: "category-desc", text: category.description || "" }),
        ),
      );
      button.addEventListener("click", () => showCategory(category, button));
      return button;
    });
    replaceChildren(categoryGrid, ...buttons);
  } catch (error) {
    replaceChildren(categoryGrid, h("p", { class: "muted", text: describeError(error) }));
  } finally {
    categoryGrid.removeAttribute("aria-busy");
  }
}

// ---------- Popular ----------
async function loadPopular() {
  const list = document.getElementById("popular-list");
  replaceChildren(list, ...skeletons(2).map((el) => h("li", {}, el)));
  try {
    const articles = results(await api.get("articles/", { ordering: "popular" })).slice(0, 6);
    if (articles.length === 0) {
      replaceChildren(list, h("li", { class: "muted", text: gettext("No articles yet.") }));
      return;
    }
    replaceChildren(list, ...articles.map((article) => h("li", {}, articleLink(article))));
  } catch {
    replaceChildren(list, h("li", { class: "muted", text: gettext("Articles are unavailable right now.") }));
  }
}

loadIncidents();
loadCategories();
loadPopular();
