// The plan view: warnings first (critical first), the assessment summary, recommendations by category,
// excluded drugs, monitoring and the options with their expected benefit. Each headline is composed in
// the page's language from the line's structured fields; the engine's own sentences stay English,
// marked lang="en" and shown in a quieter style.
import { fill, h } from "./dom.js";
import { day, drug, has, locale, num, pct, t, term, unit } from "./i18n.js";

// The order a clinician acts on the categories (as the command line prints them).
export const CATEGORY_ORDER = ["induction", "glucocorticoid", "antimalarial", "add_on", "maintenance",
  "refractory", "adjunct", "supportive", "monitoring", "referral"];
const SEVERITY_ORDER = ["critical", "warning", "info"];

export function en(text, tag = "span") {
  return text ? h(tag, { lang: "en", class: "en" }, text) : null;
}

export function citeButtons(ids) {
  if (!ids || !ids.length) return null;
  return h("span", { class: "cites" },
    h("span", { class: "sr-only" }, t("plan.sources")),
    ids.map((id) => h("button", { type: "button", class: "cite", "data-cite": id, title: t("plan.open_source") }, id)),
    h("span", { class: "print-cites", hidden: true }, ` [${ids.join(", ")}]`));
}

export function doseText(dose) {
  if (!dose) return "";
  return t("dose.text", { amount: num(dose.amount), unit: unit(dose.unit), frequency: term("frequency", dose.frequency),
    route: term("route", dose.route) });
}

export function headline(line) {
  // A line about a drug reads "continue <drug>"; one about a topic (contraception) uses the plain verb.
  const what = line.drug ? drug(line.drug) : (has(`line.${line.id}`) ? t(`line.${line.id}`) : line.id);
  const action = line.drug ? term("action", line.action) : term("action_topic", line.action);
  const text = t("rec.headline", { action, what });
  return line.dose ? `${text} ${doseText(line.dose)}` : text;
}

function value(v) {
  if (Array.isArray(v)) return v.map(value).join(", ");
  if (v && typeof v === "object") return Object.entries(v).map(([k, x]) => `${k}: ${value(x)}`).join("; ");
  if (typeof v === "number") return num(v, 3);
  return String(v);
}

export function because(facts) {
  const entries = Object.entries(facts || {});
  if (!entries.length) return null;
  return h("dl", { class: "because", lang: "en" },
    entries.map(([k, v]) => [h("dt", {}, k.replaceAll("_", " ")), h("dd", {}, value(v))]));
}

function warnings(plan) {
  const sorted = [...plan.warnings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  if (!sorted.length) return null;
  return h("section", { "aria-labelledby": "h-warnings" },
    h("h3", { id: "h-warnings" }, t("plan.warnings")),
    h("ul", { class: "warnings" }, sorted.map((w) => h("li", { class: `warn-${w.severity}`, "data-severity": w.severity },
      h("span", { class: `badge sev-${w.severity}` }, term("severity", w.severity)),
      has(`warning.${w.code}`) ? h("strong", {}, t(`warning.${w.code}`), " ") : null,
      en(w.message), " ", citeButtons(w.cites)))));
}

function fact(label, ...content) {
  return [h("dt", {}, t(label)), h("dd", {}, ...content)];
}

function milestones(list) {
  if (!list.length) return null;
  return h("table", { class: "milestones" },
    h("caption", { class: "sr-only" }, t("assess.milestones")),
    h("thead", {}, h("tr", {}, ["assess.milestone", "assess.due", "assess.status"].map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, list.map((m) => h("tr", {},
      h("td", {}, h("button", { type: "button", class: "link", "data-cite": m.id }, term("milestone", m.id.replace(/^.*milestone-/, "").replace("-", "_"))),
        " ", en(m.label)),
      h("td", {}, day(m.due)),
      h("td", { class: `status-${m.status}` }, term("milestone_status", m.status))))));
}

function assessment(plan) {
  const a = plan.assessment;
  const rr = a.renal_response;
  const items = [
    fact("assess.phase", term("phase", a.phase),
      a.weeks_on_treatment !== null ? ` · ${t("assess.weeks", { n: num(a.weeks_on_treatment, 1) })}` : "",
      a.induction_start ? ` · ${t("assess.since", { date: day(a.induction_start) })}` : ""),
    fact("assess.renal_response", h("strong", {}, term("response", rr.status)), " ",
      rr.definition ? h("button", { type: "button", class: "cite", "data-cite": rr.definition }, rr.definition) : null,
      rr.reason ? [" ", en(rr.reason)] : null, " ", citeButtons(rr.cites)),
    fact("assess.milestones", a.milestones.length ? milestones(a.milestones) : t("value.none")),
    fact("assess.flare", a.flare
      ? [[a.flare.kind && term("flare", a.flare.kind), a.flare.severity && term("flare", a.flare.severity)].filter(Boolean).join(" · "),
        " ", h("button", { type: "button", class: "cite", "data-cite": a.flare.definition }, a.flare.definition)]
      : t("value.none")),
  ];
  if (a.refractory) items.push(fact("assess.refractory", en(a.refractory.message), " ", citeButtons(a.refractory.cites)));
  items.push(fact("assess.egfr", a.egfr
    ? [h("strong", {}, `${num(a.egfr.value, 1)} ${unit("mL/min/{1.73_m2}")}`), " · ",
      term("equation", a.egfr.equation), " · ", t("assess.stage", { stage: a.egfr.ckd_stage }), " · ", day(a.egfr.on),
      a.egfr.slope_per_year !== null ? ` · ${t("assess.slope", { n: num(a.egfr.slope_per_year, 1) })}` : ""]
    : t("value.unknown")));
  const gc = a.glucocorticoids;
  items.push(fact("assess.glucocorticoids", gc
    ? t("assess.gc_text", { current: num(gc.current_mg_per_day, 1), cumulative: num(gc.cumulative_mg, 0),
      above5: num(gc.weeks_above_5, 1), above75: num(gc.weeks_above_7_5, 1), pulses: num(gc.pulses_mg, 0) })
    : t("value.unknown")));
  items.push(fact("assess.hcq", a.hcq_mg_per_kg_day !== null ? `${num(a.hcq_mg_per_kg_day, 2)} ${t("unit.mg_per_kg_day")}` : t("value.none")));
  if (a.findings.length) {
    items.push(fact("assess.findings", h("ul", {}, a.findings.map((f) => h("li", {},
      has(`finding.${f.code}`) ? [t(`finding.${f.code}`), ": "] : null, en(f.message), " ", citeButtons(f.cites))))));
  }
  const missing = a.missing_detail.length ? a.missing_detail : a.missing.map((item) => ({ item, prevents: [] }));
  items.push(fact("assess.missing", missing.length
    ? h("ul", { class: "missing" }, missing.map((m) => h("li", {}, h("strong", {}, term("test", m.item)),
      m.prevents.length ? [" — ", t("assess.prevents"), " ", en(m.prevents.join("; "))] : null)))
    : t("value.none")));
  return h("section", { "aria-labelledby": "h-assessment" },
    h("h3", { id: "h-assessment" }, t("plan.assessment")), h("dl", { class: "facts" }, items));
}

function recommendation(line) {
  return h("article", { class: "rec", "data-rec": line.id, "data-drug": line.drug || "" },
    h("div", { class: "headline" }, headline(line)),
    h("div", { class: "meta" },
      h("span", { class: "badge" }, term("strength", line.strength)),
      line.certainty === "S" ? h("span", { class: "badge", title: t("plan.secondary_title") }, t("plan.secondary")) : null,
      citeButtons(line.cites)),
    en(line.text, "p"),
    line.dose ? h("p", { class: "basis" }, h("span", {}, t("plan.basis"), " "), en(line.dose.basis),
      " ", citeButtons(line.dose.cites)) : null,
    line.dose && line.dose.schedule.length ? h("ol", { class: "schedule" }, line.dose.schedule.map((step) =>
      h("li", {}, `${day(step.start)} – ${step.end ? day(step.end) : "…"}: ${num(step.amount)} ${unit(step.unit)} ${term("frequency", step.frequency)}`))) : null,
    h("details", {}, h("summary", {}, t("plan.because")), because(line.because)));
}

function recommendations(plan) {
  const groups = CATEGORY_ORDER.map((c) => [c, plan.recommendations.filter((r) => r.category === c)]).filter(([, l]) => l.length);
  return h("section", { "aria-labelledby": "h-recs" }, h("h3", { id: "h-recs" }, t("plan.recommendations")),
    groups.map(([category, lines]) => h("section", { class: "category", "data-category": category },
      h("h4", {}, term("category", category)), lines.map(recommendation))));
}

function excluded(plan) {
  if (!plan.excluded.length) return null;
  return h("section", { "aria-labelledby": "h-excluded" }, h("h3", { id: "h-excluded" }, t("plan.excluded")),
    h("ul", {}, plan.excluded.map((x) => h("li", { "data-drug": x.drug }, h("strong", {}, drug(x.drug)), " — ", en(x.reason),
      " ", citeButtons(x.cites)))));
}

function monitoring(plan) {
  if (!plan.monitoring.length) return null;
  return h("section", { "aria-labelledby": "h-monitoring" }, h("h3", { id: "h-monitoring" }, t("plan.monitoring")),
    h("ul", {}, plan.monitoring.map((m) => h("li", {}, h("strong", {}, term("test", m.test)), " ",
      t("unit.every_weeks", { n: num(m.every_weeks, 1) }), " ", citeButtons(m.cites)))));
}

function range(lo, hi, format) {
  return `${format(lo)} ${t("plan.to")} ${format(hi)}`;
}

export function optionsTable(options) {
  return options.map((o) => h("section", { class: "option", "data-regimen": o.regimen.join("+") },
    h("h4", {}, o.regimen.map(drug).join(" + ")),
    o.note ? en(o.note, "p") : null,
    o.expected.length ? h("table", {},
      h("thead", {}, h("tr", {}, ["opt.trial", "opt.endpoint", "opt.weeks", "opt.rates", "opt.difference", "opt.nnt", "opt.population"]
        .map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, o.expected.map((e) => h("tr", {},
        h("td", {}, h("button", { type: "button", class: "cite", "data-cite": `trial:${e.trial}` }, e.trial)),
        h("td", {}, en(e.endpoint), h("br"), en(e.definition, "small")),
        h("td", {}, num(e.timepoint_weeks, 0)),
        h("td", {}, `${pct(e.rate_treatment)} / ${pct(e.rate_control)}`),
        h("td", {}, `${pct(e.difference)} (${range(e.difference_ci[0], e.difference_ci[1], pct)})`),
        h("td", {}, e.nnt === null ? "—" : `${num(e.nnt, 1)}${e.nnt_ci ? ` (${range(e.nnt_ci[0], e.nnt_ci[1], (x) => num(x, 1))})` : ""}`),
        h("td", {}, en(e.population_match)))))) : null));
}

function options(plan) {
  if (!plan.options.length) return null;
  return h("section", { "aria-labelledby": "h-options" }, h("h3", { id: "h-options" }, t("plan.options")), optionsTable(plan.options));
}

export function renderPlan(root, plan) {
  fill(root,
    h("div", { class: "plan-head" },
      h("h2", { id: "plan-title" }, t("plan.title", { id: plan.patient_id, date: day(plan.as_of, "long"),
        guideline: t(`guideline.${plan.guideline}`) })),
      h("div", { class: "tools" },
        h("button", { type: "button", id: "compare-button", class: "secondary" }, t("plan.compare")),
        h("button", { type: "button", id: "print-button", class: "secondary" }, t("plan.print")))),
    h("p", { class: "kb" }, t("plan.knowledge", { version: plan.knowledge_version })),
    locale() !== "en" ? h("p", { class: "note-en" }, t("plan.english_note")) : null,
    warnings(plan),
    h("div", { class: "cols" }, assessment(plan), h("div", {}, recommendations(plan), excluded(plan), monitoring(plan))),
    options(plan));
}
