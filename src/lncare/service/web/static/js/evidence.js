// The evidence tab: therapies by molecular target, trials with their outcomes, the committed forest
// plots of the add-on analyses, and this patient's options with expected response and NNT.
import { getJSON } from "./api.js";
import { fill, h } from "./dom.js";
import { drug, t, term } from "./i18n.js";
import { en, optionsTable } from "./plan.js";

let cache = null;

export async function loadEvidence() {
  if (!cache) {
    const [therapies, trials, plots] = await Promise.all([
      getJSON("/api/kb/therapies"), getJSON("/api/kb/trials"), getJSON("/web/evidence")]);
    cache = { therapies, trials, plots };
  }
  return cache;
}

function therapiesByTarget(therapies) {
  const groups = new Map();
  for (const therapy of therapies) {
    const target = therapy.target || t("evidence.no_target");
    if (!groups.has(target)) groups.set(target, []);
    groups.get(target).push(therapy);
  }
  return h("table", { class: "therapies" },
    h("thead", {}, h("tr", {}, ["evidence.target", "evidence.therapy", "evidence.class", "evidence.roles"].map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([target, list]) =>
      list.map((therapy, i) => h("tr", {},
        i === 0 ? h("th", { scope: "rowgroup", rowspan: list.length, lang: "en" }, target) : null,
        h("td", {}, h("button", { type: "button", class: "link", "data-cite": therapy.id }, drug(therapy.name))),
        h("td", { lang: "en" }, therapy.drug_class || ""),
        h("td", {}, (therapy.roles || []).map((r) => term("role", r)).join(", ")))))));
}

function trialList(trials) {
  return h("ul", { class: "trials" }, trials.map((trial) => h("li", {},
    h("button", { type: "button", class: "link", "data-cite": `trial:${trial.id}` }, trial.name),
    trial.year ? ` (${trial.year})` : "", trial.phase ? ` · ${t("cite.phase", { phase: trial.phase })}` : "",
    trial.endpoints.length ? h("ul", {}, trial.endpoints.filter((e) => e.role === "primary").map((e) => h("li", {},
      en(`${e.name}: ${e.definition}`),
      e.met === true ? ` — ${t("cite.met")}` : e.met === false ? ` — ${t("cite.not_met")}` : ""))) : null)));
}

function forestPlots(plots) {
  return plots.map((p) => h("figure", { "data-plot": p.name },
    h("img", { src: `/web/evidence/${encodeURIComponent(p.name)}`, alt: `${p.title} (${t(`measure.${p.measure}`)})`, loading: "lazy" }),
    h("figcaption", {}, en(p.title), ` · ${t(`measure.${p.measure}`)}`)));
}

export function renderEvidence(root, data, plan) {
  fill(root,
    h("h2", {}, t("evidence.title")),
    h("section", {}, h("h3", {}, t("evidence.patient_options")),
      plan && plan.options.length ? optionsTable(plan.options) : h("p", {}, t(plan ? "evidence.no_options" : "plan.none"))),
    h("section", {}, h("h3", {}, t("evidence.therapies")), therapiesByTarget(data.therapies)),
    h("section", { class: "forest" }, h("h3", {}, t("evidence.forest")), h("p", {}, t("evidence.forest_note")), forestPlots(data.plots)),
    h("section", {}, h("h3", {}, t("evidence.trials")), trialList(data.trials)));
}
