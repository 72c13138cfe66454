// The page: state, tabs, the three ways a record comes in (example, file, form), plan and course from
// the service, language switching that re-renders from state (nothing typed or loaded is lost).
import { getJSON, postJSON, Problem, query } from "./api.js";
import { renderCourse } from "./charts.js";
import { setupCitations } from "./cite.js";
import { PROFILES, renderCompare } from "./compare.js";
import { h } from "./dom.js";
import { loadEvidence, renderEvidence } from "./evidence.js";
import * as form from "./form.js";
import { apply, load, LOCALES, setLocale, t } from "./i18n.js";
import { renderPlan } from "./plan.js";

const state = { plan: null, course: null, compare: null, evidence: null, examples: [] };
const $ = (id) => document.getElementById(id);
const TABS = ["patient", "plan", "course", "evidence"];

function status(key, args) {
  const el = $("status");
  el.dataset.i18n = key;
  el.dataset.i18nArgs = JSON.stringify(args || {});
  el.textContent = t(key, args);
}

function localDate() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

// --- tabs (WAI-ARIA tabs pattern: arrow keys move between tabs) -------------------------------------

function showTab(name, focus = false) {
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`view-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  if (name === "evidence") showEvidence();
}

function setupTabs() {
  TABS.forEach((name, i) => {
    const button = $(`tab-${name}`);
    button.addEventListener("click", () => showTab(name));
    button.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) showTab(TABS[(i + step + TABS.length) % TABS.length], true);
    });
  });
}

// --- rendering from state ---------------------------------------------------------------------------

function render() {
  if (state.plan) renderPlan($("plan"), state.plan);
  if (state.course) renderCourse($("course"), state.course);
  if (state.compare) renderCompare($("compare"), state.compare);
  if (!$("view-evidence").hidden && state.evidence) renderEvidence($("evidence"), state.evidence, state.plan);
  wirePlanTools();
}

function wirePlanTools() {
  const compare = $("compare-button");
  if (compare) compare.addEventListener("click", compareGuidelines);
  const print = $("print-button");
  if (print) print.addEventListener("click", () => window.print());
}

async function showEvidence() {
  try {
    if (!state.evidence) {
      $("evidence").replaceChildren(h("p", {}, t("ui.loading")));
      state.evidence = await loadEvidence();
    }
    renderEvidence($("evidence"), state.evidence, state.plan);
  } catch (problem) {
    $("evidence").replaceChildren(h("p", { class: "field-error" }, problem.message));
  }
}

// --- asking the service -------------------------------------------------------------------------------

function params(guideline) {
  return query({ as_of: $("as-of").value, guideline: guideline || $("guideline").value });
}

function showProblem(problem) {
  showTab("patient");
  if (problem instanceof Problem && problem.field) {
    const control = form.showError(problem.field, { text: problem.message });
    form.showSummary("err.summary_field", problem.message);
    control.focus();
  } else {
    form.showSummary("err.summary", problem.message);
  }
  status("status.refused");
}

// Plan and course for ``payload`` (a record or a FHIR Bundle); on a refusal the form keeps everything.
async function run(payload, { fill = false } = {}) {
  form.clearErrors();
  status("status.working");
  try {
    const [plan, course] = await Promise.all([
      postJSON(`/api/recommend?${params()}`, payload), postJSON(`/web/api/course?${params()}`, payload)]);
    if (fill) form.fillForm(course.record);
    Object.assign(state, { plan, course, compare: null });
    $("compare").hidden = true;
    render();
    showTab("plan");
    status("status.ready", { id: plan.patient_id });
    requestAnimationFrame(() => performance.mark("lncare:plan-painted"));
    $("plan-title").setAttribute("tabindex", "-1");
    $("plan-title").focus({ preventScroll: true });
  } catch (problem) {
    showProblem(problem);
  }
}

async function compareGuidelines() {
  status("status.working");
  try {
    const payload = state.course.record;
    const plans = await Promise.all(PROFILES.map((p) => postJSON(`/api/recommend?${params(p)}`, payload)));
    state.compare = Object.fromEntries(PROFILES.map((p, i) => [p, plans[i]]));
    renderCompare($("compare"), state.compare);
    $("compare-title").focus();
    status("status.compared");
  } catch (problem) {
    status("err.summary");
  }
}

function submitForm(event) {
  event.preventDefault();
  form.clearErrors();
  const record = form.readRecord();
  const found = form.check(record);
  if (found.length) {
    const first = found.map((f) => form.showError(f.field, { key: f.key, args: f.args }))[0];
    form.showSummary("err.summary_count", null, { n: found.length });
    first.focus();
    status("status.refused");
    return;
  }
  run(record);
}

async function openExample(name) {
  const record = await getJSON(`/web/examples/${encodeURIComponent(name)}`);
  form.fillForm(record);
  await run(record);
}

// A CDS Hooks status card links here with ?plan=TOKEN: the record the service read, planned again here
// on the card's date and profile, so the page shows exactly what the card summarised.
async function openSharedPlan(token) {
  try {
    const shared = await getJSON(`/api/plans/${encodeURIComponent(token)}`);
    $("as-of").value = shared.plan.as_of;
    $("guideline").value = shared.plan.guideline;
    form.fillForm(shared.patient);
    await run(shared.patient);
  } catch (problem) {
    status("status.link_expired");
  }
}

async function openFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  form.clearErrors();
  let data;
  try {
    data = JSON.parse(await file.text());
  } catch (err) {
    // Not JSON: nothing in the form is replaced.
    form.showError("file", { key: "err.not_json", args: { name: file.name, reason: err.message } });
    form.showSummary("err.summary_file", null);
    status("status.refused");
    return;
  }
  if (data && data.resourceType === "Bundle") {
    await run(data, { fill: true }); // the form shows the record the Bundle maps to
  } else if (data && typeof data === "object" && !Array.isArray(data)) {
    form.fillForm(data); // the form shows the file as it is, and the server judges the file itself
    await run(data);
  } else {
    form.showError("file", { key: "err.not_record", args: { name: file.name } });
    status("status.refused");
  }
  event.target.value = "";
}

async function switchLanguage(locale) {
  await load(locale);
  setLocale(locale);
  apply(document);
  render();
  try { localStorage.setItem("lncare.locale", locale); } catch { /* private mode: not remembered */ }
}

function renderExamples() {
  $("examples").replaceChildren(...state.examples.map((e) => h("li", {},
    h("button", { type: "button", "data-example": e.name, onclick: () => openExample(e.name) },
      e.name, h("small", { lang: "en" }, e.story || "")))));
}

async function init() {
  const url = new URLSearchParams(location.search);
  let saved = null;
  try { saved = localStorage.getItem("lncare.locale"); } catch { /* not available */ }
  const locale = LOCALES.includes(url.get("lang")) ? url.get("lang") : LOCALES.includes(saved) ? saved : "en";
  const [vocabulary, examples] = await Promise.all([
    getJSON("/web/vocabulary"), getJSON("/web/examples"), load("en"), load(locale)]);
  setLocale(locale);
  $("lang").value = locale;
  state.examples = examples;
  form.setup(vocabulary);
  form.clearForm();
  $("as-of").value = url.get("as_of") || localDate();
  if (PROFILES.includes(url.get("guideline"))) $("guideline").value = url.get("guideline");
  apply(document);
  renderExamples();
  setupTabs();
  setupCitations();
  $("patient-form").addEventListener("submit", submitForm);
  $("clear-form").addEventListener("click", () => { form.clearErrors(); form.clearForm(); });
  $("upload").addEventListener("change", openFile);
  $("lang").addEventListener("change", (event) => switchLanguage(event.target.value));
  // A new date or profile re-plans what is shown, from the form as it stands.
  for (const id of ["as-of", "guideline"]) {
    $(id).addEventListener("change", () => { if (state.plan) run(form.readRecord()); });
  }
  document.body.dataset.ready = "true";
  if (url.get("plan")) await openSharedPlan(url.get("plan"));
  else if (url.get("example")) await openExample(url.get("example"));
  if (TABS.includes(url.get("tab"))) showTab(url.get("tab"));
}

init();
