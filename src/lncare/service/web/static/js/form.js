// The patient form: options from the server's vocabularies, lab and medication rows, the record read
// from and written to the form, client-side checks, and messages placed next to the field they name.
import { h, clear } from "./dom.js";
import { has, t, term, unit } from "./i18n.js";

let vocab = null;
let serial = 0; // unique ids for row inputs, so every input has its own label
let extra = {}; // parts of a loaded record the form does not edit (notes), sent back unchanged

const $ = (id) => document.getElementById(id);

function option(value, group, selected) {
  const el = h("option", { value, selected: value === selected }, term(group, value));
  if (group) el.dataset.i18n = `${group}.${value}`;
  return el;
}

function unitOption(value, selected) {
  const key = has(`unit.${value}`) ? `unit.${value}` : null;
  return h("option", { value, selected: value === selected, "data-i18n": key }, unit(value));
}

// A select whose value is outside its options (e.g. a unit from an uploaded file) keeps that value as an
// extra option, so the form shows what the file said and the server's message can point at it.
function choose(select, value) {
  if (value === undefined || value === null) return;
  const text = String(value);
  if (![...select.options].some((o) => o.value === text)) select.append(h("option", { value: text }, text));
  select.value = text;
}

export function setup(vocabulary) {
  vocab = vocabulary;
  const sex = $("f-sex");
  sex.append(h("option", { value: "" }, ""), ...vocab.sex.map((v) => option(v, "sex")));
  $("f-pregnancy").append(...vocab.pregnancy.map((v) => option(v, "pregnancy", "unknown")));
  $("f-classes").append(...vocab.classes.map((c) =>
    h("label", {}, h("input", { type: "checkbox", value: c, name: "classes", "data-class": c }), c)));
  $("conditions").append(...vocab.conditions.map((c) =>
    h("label", {}, h("input", { type: "checkbox", value: c, name: "conditions" }),
      h("span", { "data-i18n": `condition.${c}` }, term("condition", c)))));
  document.body.append(h("datalist", { id: "drug-names" }, vocab.drugs.map((d) => h("option", { value: d }))));
  $("add-lab").addEventListener("click", () => focusFirst(addLab({})));
  $("add-med").addEventListener("click", () => focusFirst(addMedication({})));
}

function focusFirst(row) {
  row.querySelector("input, select").focus();
}

function cell(labelKey, control, n) {
  const label = h("label", { for: control.id, "data-i18n": labelKey, "data-i18n-args": JSON.stringify({ n }) },
    t(labelKey, { n }));
  return h("div", { class: "cell" }, label, control);
}

function renumber(container, kind) {
  [...container.children].forEach((row, i) => {
    row.querySelector(".num").textContent = `${i + 1}`;
    for (const el of row.querySelectorAll("[data-part]")) el.dataset.field = `${kind}[${i}].${el.dataset.part}`;
    for (const el of row.querySelectorAll("label[data-i18n]")) {
      el.dataset.i18nArgs = JSON.stringify({ n: i + 1 });
      el.textContent = t(el.dataset.i18n, { n: i + 1 });
    }
    const remove = row.querySelector("button.remove");
    remove.dataset.i18nArgs = JSON.stringify({ n: i + 1 });
    remove.textContent = t(remove.dataset.i18n, { n: i + 1 });
  });
}

function removeButton(row, container, kind) {
  return h("button", {
    type: "button", class: "secondary remove", "data-i18n": `form.remove_${kind}`,
    onclick: () => { row.remove(); renumber(container, kind); },
  });
}

function fillUnits(select, test, selected) {
  clear(select);
  const units = vocab.tests[test] ? vocab.tests[test].units : [];
  select.append(...units.map((u) => unitOption(u, selected)));
  if (selected) choose(select, selected);
}

export function addLab(lab) {
  const container = $("labs");
  const n = container.children.length + 1;
  const id = `lab-${serial++}`;
  const test = h("select", { id: `${id}-test`, "data-part": "test" }, h("option", { value: "" }, ""),
    Object.keys(vocab.tests).map((name) => option(name, "test")));
  choose(test, lab.test);
  const units = h("select", { id: `${id}-unit`, "data-part": "unit" });
  fillUnits(units, test.value, lab.unit);
  test.addEventListener("change", () => fillUnits(units, test.value, vocab.tests[test.value]?.canonical));
  const value = h("input", { id: `${id}-value`, type: "number", step: "any", inputmode: "decimal",
    "data-part": "value", value: lab.value ?? "" });
  const date = h("input", { id: `${id}-date`, type: "date", "data-part": "date", value: lab.date ?? "" });
  const row = h("div", { class: "row" }, h("span", { class: "num" }, `${n}`),
    cell("form.lab_test", test, n), cell("form.lab_value", value, n), cell("form.lab_unit", units, n),
    cell("form.lab_date", date, n));
  row.append(removeButton(row, container, "labs"));
  container.append(row);
  renumber(container, "labs");
  return row;
}

export function addMedication(med) {
  const container = $("medications");
  const n = container.children.length + 1;
  const id = `med-${serial++}`;
  const drug = h("input", { id: `${id}-drug`, list: "drug-names", "data-part": "drug", autocomplete: "off",
    value: med.drug ?? "" });
  const dose = h("input", { id: `${id}-dose`, type: "number", step: "any", "data-part": "dose",
    value: med.dose ?? "" });
  const units = h("select", { id: `${id}-unit`, "data-part": "unit" }, vocab.dose_units.map((u) => unitOption(u)));
  choose(units, med.unit);
  const frequency = h("select", { id: `${id}-frequency`, "data-part": "frequency" },
    vocab.frequencies.map((f) => option(f, "frequency", "daily")));
  choose(frequency, med.frequency);
  const route = h("select", { id: `${id}-route`, "data-part": "route" }, vocab.routes.map((r) => option(r, "route")));
  choose(route, med.route);
  const start = h("input", { id: `${id}-start`, type: "date", "data-part": "start", value: med.start ?? "" });
  const end = h("input", { id: `${id}-end`, type: "date", "data-part": "end", value: med.end ?? "" });
  const row = h("div", { class: "row" }, h("span", { class: "num" }, `${n}`),
    cell("form.med_drug", drug, n), cell("form.med_dose", dose, n), cell("form.med_unit", units, n),
    cell("form.med_frequency", frequency, n), cell("form.med_route", route, n),
    cell("form.med_start", start, n), cell("form.med_end", end, n));
  row.append(removeButton(row, container, "medications"));
  container.append(row);
  renumber(container, "medications");
  return row;
}

// --- record <-> form -------------------------------------------------------------------------------

function numberOrText(text) {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) ? value : text;
}

function part(row, name) {
  return row.querySelector(`[data-part="${name}"]`).value;
}

export function readRecord() {
  const record = { ...extra };
  const text = (id) => $(id).value.trim();
  const put = (key, value) => { if (value !== "" && value !== undefined) record[key] = value; };
  put("id", text("f-id"));
  put("sex", text("f-sex"));
  put("birth_date", text("f-birth"));
  put("age", text("f-age") === "" ? "" : numberOrText(text("f-age")));
  put("weight_kg", text("f-weight") === "" ? "" : numberOrText(text("f-weight")));
  put("height_cm", text("f-height") === "" ? "" : numberOrText(text("f-height")));
  put("pregnancy", text("f-pregnancy"));
  const classes = [...document.querySelectorAll("#f-classes input:checked")].map((el) => el.value);
  const biopsy = {};
  if (text("f-biopsy-date")) biopsy.date = text("f-biopsy-date");
  if (classes.length) biopsy.classes = classes;
  for (const [key, id] of [["activity_index", "f-ai"], ["chronicity_index", "f-ci"], ["crescents_percent", "f-crescents"]]) {
    if (text(id) !== "") biopsy[key] = numberOrText(text(id));
  }
  if (text("f-tma")) biopsy.tma = text("f-tma") === "true";
  if (Object.keys(biopsy).length) record.biopsy = biopsy;
  record.labs = [...$("labs").children].map((row) => ({
    test: part(row, "test"), value: numberOrText(part(row, "value")), unit: part(row, "unit"), date: part(row, "date"),
  }));
  record.medications = [...$("medications").children].map((row) => ({
    drug: part(row, "drug").trim(), dose: numberOrText(part(row, "dose")), unit: part(row, "unit"),
    frequency: part(row, "frequency"), route: part(row, "route"), start: part(row, "start"),
    end: part(row, "end") || null,
  }));
  record.conditions = [...document.querySelectorAll("#conditions input:checked")].map((el) => el.value);
  const allergies = text("f-allergies");
  record.allergies = allergies ? allergies.split(/[,，;；]/).map((a) => a.trim()).filter(Boolean) : [];
  return record;
}

export function fillForm(record) {
  const set = (id, value) => { $(id).value = value ?? ""; };
  extra = record.notes ? { notes: record.notes } : {};
  set("f-id", record.id);
  choose($("f-sex"), record.sex ?? "");
  set("f-birth", record.birth_date);
  set("f-age", record.age);
  set("f-weight", record.weight_kg);
  set("f-height", record.height_cm);
  choose($("f-pregnancy"), record.pregnancy ?? "unknown");
  set("f-allergies", (record.allergies || []).join(", "));
  const biopsy = record.biopsy || {};
  set("f-biopsy-date", biopsy.date);
  const classes = new Set((biopsy.classes || []).map(String));
  for (const box of document.querySelectorAll("#f-classes input")) box.checked = classes.has(box.value);
  set("f-ai", biopsy.activity_index);
  set("f-ci", biopsy.chronicity_index);
  set("f-crescents", biopsy.crescents_percent);
  $("f-tma").value = biopsy.tma === undefined || biopsy.tma === null ? "" : String(biopsy.tma);
  const conditions = new Set(record.conditions || []);
  for (const box of document.querySelectorAll("#conditions input")) box.checked = conditions.has(box.value);
  clear($("labs"));
  (record.labs || []).forEach((lab) => addLab(lab));
  clear($("medications"));
  (record.medications || []).forEach((med) => addMedication(med));
}

export function clearForm() {
  fillForm({ pregnancy: "unknown" });
}

// --- checks before sending (the server checks everything again) --------------------------------------

function within(value, low, high) {
  return typeof value === "number" && value >= low && value <= high;
}

export function check(record) {
  const found = [];
  const need = (field, ok, key, args) => { if (!ok) found.push({ field, key, args }); };
  need("id", !!record.id, "err.required");
  need("sex", !!record.sex, "err.required");
  if (record.birth_date === undefined && record.age === undefined) found.push({ field: "birth_date", key: "err.age_or_birth" });
  if (record.age !== undefined) need("age", Number.isInteger(record.age) && within(record.age, 0, 120), "err.range_int", { low: 0, high: 120 });
  // Plausibility bars of the record model (model/patient.py): weight 2-300 kg, height 40-230 cm.
  if (record.weight_kg !== undefined) need("weight_kg", within(record.weight_kg, 2, 300), "err.range", { low: 2, high: 300 });
  if (record.height_cm !== undefined) need("height_cm", within(record.height_cm, 40, 230), "err.range", { low: 40, high: 230 });
  if (record.biopsy) {
    need("biopsy.date", !!record.biopsy.date, "err.required");
    need("biopsy.classes", (record.biopsy.classes || []).length > 0, "err.classes");
  }
  record.labs.forEach((lab, i) => {
    need(`labs[${i}].test`, !!lab.test, "err.required");
    need(`labs[${i}].value`, typeof lab.value === "number", "err.number");
    need(`labs[${i}].unit`, !!lab.unit, "err.required");
    need(`labs[${i}].date`, !!lab.date, "err.required");
  });
  record.medications.forEach((med, i) => {
    need(`medications[${i}].drug`, !!med.drug, "err.required");
    need(`medications[${i}].dose`, typeof med.dose === "number" && med.dose > 0, "err.positive");
    need(`medications[${i}].start`, !!med.start, "err.required");
    if (med.start && med.end) need(`medications[${i}].end`, med.end >= med.start, "err.end_before_start");
  });
  return found;
}

// --- messages next to fields ---------------------------------------------------------------------

// The control a problem's field path names, or the nearest enclosing one: labs[3].unit, then labs[3],
// then labs. Paths of a FHIR Bundle name no control; their message goes next to the file input.
function target(path) {
  let here = path;
  while (here) {
    const el = document.querySelector(`#patient-form [data-field="${CSS.escape(here)}"]`);
    if (el) return el;
    const shorter = here.replace(/(\[\d+\]|\.[^.[\]]+)$/, "");
    if (shorter === here) break;
    here = shorter;
  }
  return null;
}

export function clearErrors() {
  for (const el of document.querySelectorAll("#patient-form .field-error")) el.remove();
  for (const el of document.querySelectorAll("#patient-form [aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
  const summary = $("form-error");
  summary.hidden = true;
  clear(summary);
}

// Shows one message beside the field; ``message`` is a catalog key with args, or a server text (English).
export function showError(path, message) {
  const control = target(path) || $("upload");
  const id = `err-${serial++}`;
  const text = message.key
    ? h("p", { class: "field-error", id, "data-i18n": message.key, "data-i18n-args": JSON.stringify(message.args || {}) },
        t(message.key, message.args))
    : h("p", { class: "field-error", id }, h("span", { "data-i18n": "err.server" }, t("err.server")), " ",
        h("span", { lang: "en" }, message.text));
  control.setAttribute("aria-invalid", "true");
  control.setAttribute("aria-describedby", id);
  control.insertAdjacentElement("afterend", text);
  return control;
}

export function showSummary(key, detail, args) {
  const summary = $("form-error");
  clear(summary).append(h("span", { "data-i18n": key, "data-i18n-args": JSON.stringify(args || {}) }, t(key, args)),
    detail ? " " : "", detail ? h("span", { lang: "en" }, detail) : "");
  summary.hidden = false;
}
