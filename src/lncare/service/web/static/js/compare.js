// The three guideline profiles side by side: one row per item (a drug within a category, a monitored
// test, an excluded drug, a warning, an assessment fact), marked where the profiles' plans differ.
import { fill, h } from "./dom.js";
import { drug, num, t, term } from "./i18n.js";
import { CATEGORY_ORDER, doseText } from "./plan.js";

export const PROFILES = ["eular2023", "kdigo2024", "acr2024"];

// Each cell holds a comparable key (what the plan says, structurally) and the text shown for it.
function rows(plans) {
  const table = new Map();
  const put = (section, item, label, profile, key, text) => {
    const id = `${section}|${item}`;
    if (!table.has(id)) table.set(id, { section, label, cells: {} });
    const cell = table.get(id).cells[profile];
    table.get(id).cells[profile] = cell ? { key: `${cell.key};${key}`, text: `${cell.text}; ${text}` } : { key, text };
  };
  for (const profile of PROFILES) {
    const plan = plans[profile];
    const a = plan.assessment;
    put("assessment", "response", t("assess.renal_response"), profile, a.renal_response.status, term("response", a.renal_response.status));
    put("assessment", "phase", t("assess.phase"), profile, a.phase, term("phase", a.phase));
    if (a.flare) {
      const text = [a.flare.kind, a.flare.severity].filter(Boolean).map((v) => term("flare", v)).join(" · ");
      put("assessment", "flare", t("assess.flare"), profile, `${a.flare.kind}/${a.flare.severity}`, text);
    }
    for (const w of plan.warnings) {
      put("warnings", w.code, t(`warning.${w.code}`) === `warning.${w.code}` ? w.code : t(`warning.${w.code}`), profile,
        w.severity, term("severity", w.severity));
    }
    for (const line of plan.recommendations) {
      const item = line.drug || line.id;
      const label = line.drug ? drug(line.drug) : term("line", line.id);
      const dose = line.dose ? ` ${line.dose.amount} ${line.dose.unit} ${line.dose.frequency} ${line.dose.route}` : "";
      put(line.category, item, label, profile, `${line.action}${dose}`,
        `${term("action", line.action)}${line.dose ? ` ${doseText(line.dose)}` : ""}`);
    }
    for (const m of plan.monitoring) {
      put("monitoring", m.test, term("test", m.test), profile, `${m.every_weeks}`, t("unit.every_weeks", { n: num(m.every_weeks, 1) }));
    }
    for (const x of plan.excluded) put("excluded", x.drug, drug(x.drug), profile, "excluded", t("compare.excluded"));
  }
  return table;
}

export function renderCompare(root, plans) {
  const table = rows(plans);
  const sections = ["assessment", "warnings", ...CATEGORY_ORDER, "excluded"];
  const heading = (section) => (section === "assessment" ? t("plan.assessment") : section === "warnings" ? t("plan.warnings")
    : section === "excluded" ? t("plan.excluded") : term("category", section));
  let differing = 0;
  const body = sections.map((section) => {
    const items = [...table.values()].filter((row) => row.section === section);
    if (!items.length) return null;
    return [h("tr", { class: "section" }, h("th", { colspan: PROFILES.length + 1, scope: "colgroup" }, heading(section))),
      items.map((row) => {
        const keys = PROFILES.map((p) => (row.cells[p] ? row.cells[p].key : "—"));
        const differs = new Set(keys).size > 1;
        differing += differs ? 1 : 0;
        return h("tr", { class: differs ? "differs" : null, "data-differs": differs ? "true" : "false" },
          h("th", { scope: "row" }, row.label, differs ? h("span", { class: "sr-only" }, ` (${t("compare.differs")})`) : null),
          PROFILES.map((p) => h("td", {}, row.cells[p] ? row.cells[p].text : t("compare.silent"))));
      })];
  });
  fill(root,
    h("h2", { id: "compare-title", tabindex: "-1" }, t("compare.title")),
    h("p", {}, t("compare.legend", { n: differing })),
    h("table", { class: "compare" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("compare.item")),
        PROFILES.map((p) => h("th", { scope: "col" }, t(`guideline.${p}`))))),
      h("tbody", {}, body)));
  root.hidden = false;
}
