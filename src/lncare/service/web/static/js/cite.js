// A citation opens the knowledge-base item (statement, definition, trial, therapy or reference) from
// /api/kb/{id} in a dialog. Knowledge-base text is English and is marked so.
import { getJSON } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { en } from "./plan.js";

const dialog = () => document.getElementById("cite-dialog");
let opener = null;

function sources(item) {
  const list = item.sources || [];
  if (!list.length) return null;
  return [h("h3", {}, t("cite.sources")),
    h("ul", {}, list.map((s) => h("li", { lang: "en" }, s.ref, s.locator ? ` — ${s.locator}` : "")))];
}

function trial(item) {
  return [
    h("p", {}, en(item.name), item.year ? ` (${item.year})` : "", item.phase ? ` · ${t("cite.phase", { phase: item.phase })}` : ""),
    item.population ? en(item.population.description, "p") : null,
    item.endpoints && item.endpoints.length ? [h("h3", {}, t("cite.endpoints")),
      h("ul", {}, item.endpoints.map((e) => h("li", { lang: "en" }, `${e.name}: ${e.definition}`,
        e.met === true ? ` — ${t("cite.met")}` : e.met === false ? ` — ${t("cite.not_met")}` : "")))] : null,
    item.findings && item.findings.length ? [h("h3", {}, t("cite.findings")),
      h("ul", {}, item.findings.map((f) => h("li", { lang: "en" }, f.text)))] : null,
  ];
}

function reference(item) {
  return h("p", { lang: "en" }, [item.authors, item.title, item.journal, item.doi ? `doi:${item.doi}` : null]
    .filter(Boolean).join(". "));
}

function body(item) {
  if (item.paraphrase) {
    return [
      h("p", { class: "kind" }, t(item.concept ? "cite.definition" : "cite.statement"),
        item.document ? ` · ${item.document}` : "", item.number ? ` · ${item.number}` : "",
        item.certainty ? ` · ${t("cite.certainty")} ${item.certainty}` : ""),
      h("blockquote", { lang: "en", class: "statement-text" }, item.paraphrase),
      item.note ? en(item.note, "p") : null,
      sources(item),
    ];
  }
  if (item.arms) return trial(item);
  if (item.drug_class !== undefined) return h("p", { lang: "en" }, `${item.name} — ${item.drug_class}; ${item.target || ""}`);
  if (item.title) return reference(item);
  return h("pre", { lang: "en" }, JSON.stringify(item, null, 1));
}

export async function openCitation(id, button) {
  opener = button || null;
  const box = dialog();
  document.getElementById("cite-title").textContent = id;
  const content = document.getElementById("cite-body");
  content.replaceChildren(h("p", {}, t("ui.loading")));
  if (!box.open) box.showModal();
  document.getElementById("cite-close").focus();
  try {
    const item = await getJSON(`/api/kb/${encodeURIComponent(id)}`);
    content.replaceChildren(...[body(item)].flat(Infinity).filter(Boolean));
  } catch (problem) {
    content.replaceChildren(h("p", { class: "field-error" }, t("cite.unavailable"), " ", en(problem.message)));
  }
}

export function setupCitations() {
  const box = dialog();
  document.getElementById("cite-close").addEventListener("click", () => box.close());
  box.addEventListener("close", () => { if (opener && opener.isConnected) opener.focus(); });
  // One listener for every citation button, wherever a view renders it.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-cite]");
    if (button) openCitation(button.dataset.cite, button);
  });
}
