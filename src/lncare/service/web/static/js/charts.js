// Trajectories as SVG drawn here: one chart per measure on a shared time axis, in canonical units from
// the server (/web/api/course), with the profile's response thresholds and the milestone dates, then
// the prednisone-equivalent daily dose and a medication timeline.
import { fill, h, s } from "./dom.js";
import { day, drug, month, num, t, term, unit } from "./i18n.js";

const W = 640;
const H = 200;
const M = { left: 52, right: 16, top: 14, bottom: 28 };
const DAY_MS = 86400000;

const ms = (iso) => Date.parse(`${iso}T00:00:00Z`);

function niceTicks(max, count = 4) {
  if (max <= 0) return [0, 1];
  const raw = max / count;
  const step = [1, 2, 2.5, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((v) => v >= raw);
  const ticks = [];
  for (let v = 0; v <= max + step / 2; v += step) ticks.push(Number(v.toPrecision(6)));
  return ticks;
}

function scales(domain, yMax) {
  const ticks = niceTicks(yMax);
  const top = ticks[ticks.length - 1];
  const span = Math.max(domain[1] - domain[0], DAY_MS);
  return {
    ticks,
    end: domain[1],
    x: (iso) => M.left + ((ms(iso) - domain[0]) / span) * (W - M.left - M.right),
    y: (v) => H - M.bottom - (v / top) * (H - M.top - M.bottom),
  };
}

function timeTicks(domain) {
  const first = new Date(domain[0]);
  const ticks = [];
  let d = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1));
  const months = Math.max(1, Math.ceil((domain[1] - domain[0]) / (30 * DAY_MS) / 6));
  while (d.getTime() <= domain[1]) {
    if (d.getTime() >= domain[0]) ticks.push(d.toISOString().slice(0, 10));
    d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  }
  return ticks;
}

function axes(sc, domain) {
  return [
    s("line", { class: "axis", x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }),
    s("line", { class: "axis", x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom }),
    sc.ticks.map((v) => s("text", { class: "tick", x: M.left - 6, y: sc.y(v) + 4, "text-anchor": "end" }, num(v, 2))),
    timeTicks(domain).map((iso) => s("text", { class: "tick", x: sc.x(iso), y: H - 8, "text-anchor": "middle" }, month(iso))),
  ];
}

function markers(sc, course) {
  const today = sc.x(course.as_of);
  const marks = [s("line", { class: "start", x1: today, x2: today, y1: M.top, y2: H - M.bottom },
    s("title", {}, `${t("chart.as_of")} ${day(course.as_of)}`))];
  if (course.induction_start) {
    const x = sc.x(course.induction_start);
    marks.push(s("line", { class: "start", x1: x, x2: x, y1: M.top, y2: H - M.bottom },
      s("title", {}, `${t("chart.induction_start")} ${day(course.induction_start)}`)));
  }
  for (const m of course.milestones) {
    if (ms(m.due) > sc.end) continue;
    const x = sc.x(m.due);
    const label = term("milestone", m.id.replace(/^.*milestone-/, "").replace("-", "_"));
    marks.push(s("g", { class: "milestone-mark" },
      s("line", { class: "milestone", x1: x, x2: x, y1: M.top, y2: H - M.bottom }),
      s("text", { class: "mlabel", x: x > W - 80 ? x - 3 : x + 3, y: M.top + 9, "text-anchor": x > W - 80 ? "end" : "start" }, label),
      s("title", {}, `${label}: ${day(m.due)} (${term("milestone_status", m.status)})`)));
  }
  return marks;
}

function thresholdLabel(th) {
  const what = th.concept === "milestone" ? term("milestone", th.outcome) : term("response", th.outcome);
  const level = th.value !== null ? num(th.value, 3) : `${num(th.low, 2)}–${num(th.high, 2)}`;
  return `${what} ${th.comparator} ${level}${th.relative_percent !== null ? ` (−${num(th.relative_percent, 0)} %)` : ""}`;
}

// Definitions that share a level (EULAR partial response and the 6-month milestone: both a 50 % fall)
// are drawn once, with both names.
function merged(thresholds) {
  const byLevel = new Map();
  for (const th of thresholds) {
    const key = `${th.value}|${th.low}|${th.high}`;
    if (!byLevel.has(key)) byLevel.set(key, { ...th, labels: [], definitions: [] });
    byLevel.get(key).labels.push(thresholdLabel(th));
    byLevel.get(key).definitions.push(th.definition);
  }
  return [...byLevel.values()];
}

function thresholdMarks(sc, thresholds) {
  return merged(thresholds).map((th) => {
    const label = th.labels.join(" / ");
    const title = s("title", {}, `${th.definitions.join(", ")}: ${label}`);
    if (th.value === null) {
      return s("g", { class: "threshold-mark", "data-definition": th.definitions.join(" ") },
        s("rect", { class: "band", x: M.left, width: W - M.left - M.right, y: sc.y(th.high), height: sc.y(th.low) - sc.y(th.high) }),
        s("text", { class: "tlabel", x: W - M.right - 4, y: sc.y(th.high) - 3, "text-anchor": "end" }, label), title);
    }
    return s("g", { class: "threshold-mark", "data-definition": th.definitions.join(" ") },
      s("line", { class: "threshold", x1: M.left, x2: W - M.right, y1: sc.y(th.value), y2: sc.y(th.value) }),
      s("text", { class: "tlabel", x: W - M.right - 4, y: sc.y(th.value) - 3, "text-anchor": "end" }, label), title);
  });
}

function dataTable(name, unitText, points) {
  return h("details", { class: "data" }, h("summary", {}, t("chart.values")),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("chart.date")), h("th", { scope: "col" }, `${name} (${unitText})`))),
      h("tbody", {}, points.map((p) => h("tr", {}, h("td", {}, day(p.date)), h("td", {}, num(p.value, 2)))))));
}

function chart(id, name, unitText, points, thresholds, course, domain, step = false) {
  const yMax = Math.max(...points.map((p) => p.value), ...thresholds.map((th) => th.value ?? th.high), 0) * 1.1;
  const sc = scales(domain, yMax);
  let path = "";
  points.forEach((p, i) => {
    const x = sc.x(p.date);
    const y = sc.y(p.value);
    path += i === 0 ? `M${x},${y}` : step ? `H${x}V${y}` : `L${x},${y}`;
  });
  if (step && points.length) path += `H${sc.x(course.as_of)}`;
  const titleId = `chart-${id}-title`;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": titleId, "data-measure": id },
    s("title", { id: titleId }, t("chart.aria", { name, n: points.length })),
    axes(sc, domain), thresholdMarks(sc, thresholds), markers(sc, course),
    s("path", { class: "series", d: path }),
    step ? null : points.map((p) => s("circle", { class: "pt", cx: sc.x(p.date), cy: sc.y(p.value), r: 4 },
      s("title", {}, `${day(p.date)}: ${num(p.value, 2)} ${unitText}`))));
  return h("figure", { class: "chart", "data-measure": id },
    h("h3", {}, `${name} `, h("small", {}, `(${unitText})`)), svg, dataTable(name, unitText, points));
}

function timeline(course, domain) {
  const byDrug = new Map();
  for (const m of course.medications) {
    if (!byDrug.has(m.drug)) byDrug.set(m.drug, []);
    byDrug.get(m.drug).push(m);
  }
  const rowH = 26;
  const height = M.top + byDrug.size * rowH + M.bottom;
  const left = 150;
  const span = Math.max(domain[1] - domain[0], DAY_MS);
  const x = (iso) => left + ((ms(iso) - domain[0]) / span) * (W - left - M.right);
  const rows = [...byDrug.entries()].map(([name, list], i) => {
    const y = M.top + i * rowH;
    return s("g", { class: "med-row", "data-drug": name },
      s("text", { class: "blabel", x: 4, y: y + 15 }, drug(name)),
      list.map((m) => {
        const end = m.end && m.end < course.as_of ? m.end : course.as_of;
        const kind = m.roles.includes("glucocorticoid") ? "bar-gc" : m.roles.some((r) => ["induction", "maintenance", "add_on", "refractory"].includes(r)) ? "bar-is" : "bar-other";
        const x0 = x(m.start);
        const width = Math.max(x(end) + (W - left - M.right) * DAY_MS / span - x0, 2);
        const dose = `${num(m.dose)} ${unit(m.unit)} ${term("frequency", m.frequency)} ${term("route", m.route)}`;
        return s("rect", { class: kind, x: x0, y: y + 4, width, height: rowH - 10, rx: 2 },
          s("title", {}, `${drug(name)} ${dose}: ${day(m.start)} – ${m.end ? day(m.end) : t("chart.ongoing")}`));
      }));
  });
  const ticks = timeTicks(domain).map((iso) => s("text", { class: "tick", x: x(iso), y: height - 8, "text-anchor": "middle" }, month(iso)));
  return h("figure", { class: "timeline" }, h("h3", {}, t("chart.medications")),
    s("svg", { viewBox: `0 0 ${W} ${height}`, role: "img", "aria-label": t("chart.medications") }, rows, ticks));
}

export function renderCourse(root, course) {
  const dates = [
    ...course.series.flatMap((series) => series.points.map((p) => p.date)),
    ...course.egfr.map((p) => p.date), ...course.medications.map((m) => m.start),
    ...(course.induction_start ? [course.induction_start] : []), course.as_of,
  ];
  // The axis runs to the plan date, or on to a milestone due within the next quarter (a longer run
  // would squeeze the measured course; later milestones are in the plan's table).
  const ahead = course.milestones.map((m) => ms(m.due)).filter((due) => due <= ms(course.as_of) + 91 * DAY_MS);
  const domain = [Math.min(...dates.map(ms)), Math.max(ms(course.as_of), ...ahead)];
  const charts = [];
  for (const series of course.series) {
    if (!series.points.length) continue;
    const thresholds = course.thresholds.filter((th) => th.test === series.test);
    charts.push(chart(series.test, term("test", series.test), unit(series.unit), series.points, thresholds, course, domain));
    if (series.test === "upcr") {
      charts.push(chart("egfr", `${term("test", "egfr")}`, unit("mL/min/{1.73_m2}"), course.egfr, [], course, domain));
    }
  }
  if (!course.series.some((series) => series.test === "upcr" && series.points.length) && course.egfr.length) {
    charts.unshift(chart("egfr", term("test", "egfr"), unit("mL/min/{1.73_m2}"), course.egfr, [], course, domain));
  }
  const gc = course.glucocorticoid;
  const gcPoints = gc.steps.map((step) => ({ date: step.start, value: step.mg_per_day }));
  const gcChart = gc.unavailable ? h("p", { class: "en", lang: "en" }, gc.unavailable)
    : gcPoints.length ? chart("prednisone", t("chart.prednisone"), t("unit.mg_per_day"), gcPoints, [], course, domain, true) : null;
  const pulses = gc.pulses.length ? h("p", {}, t("chart.pulses"), " ", gc.pulses.map((p) =>
    `${drug(p.drug)} ${p.dose_mg !== null ? num(p.dose_mg) : "?"} mg ${term("frequency", p.frequency)} ${day(p.start)}${p.end ? ` – ${day(p.end)}` : ""}`).join("; ")) : null;
  fill(root,
    h("h2", {}, t("chart.title", { id: course.patient_id, guideline: t(`guideline.${course.guideline}`) })),
    h("p", {}, t("chart.legend")),
    h("div", { class: "charts" }, charts, gcChart),
    pulses,
    course.medications.length ? timeline(course, domain) : null);
}
