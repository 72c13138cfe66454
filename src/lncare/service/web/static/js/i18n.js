// Locale catalogs (one JSON file per locale, identical keys), message lookup, and Intl formatting.
const catalogs = {};
let current = "en";

export const LOCALES = ["en", "zh-CN"];

export async function load(locale) {
  if (!catalogs[locale]) {
    const response = await fetch(`/web/static/locales/${locale}.json`);
    catalogs[locale] = await response.json();
  }
}

export function setLocale(locale) {
  current = locale;
  document.documentElement.lang = locale;
}

export function locale() {
  return current;
}

export function has(key) {
  return key in (catalogs[current] || {});
}

// t("unit.every_weeks", {n: 4}) -> "every 4 weeks"; an unknown key shows itself, so a gap is visible.
export function t(key, args) {
  const text = (catalogs[current] || {})[key] ?? (catalogs.en || {})[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (args && name in args ? String(args[name]) : whole));
}

// The localized form of a closed-vocabulary value (category.induction), or the value itself.
export function term(group, value) {
  const key = `${group}.${value}`;
  return has(key) ? t(key) : String(value).replaceAll("_", " ");
}

export function num(value, digits = 2) {
  return new Intl.NumberFormat(current, { maximumFractionDigits: digits }).format(value);
}

export function pct(fraction, digits = 1) {
  return new Intl.NumberFormat(current, { style: "percent", maximumFractionDigits: digits }).format(fraction);
}

// Dates are calendar days (no time zone): formatted in UTC so that no offset moves them.
export function day(iso, style = "medium") {
  if (!iso) return "";
  return new Intl.DateTimeFormat(current, { dateStyle: style, timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));
}

export function month(iso) {
  return new Intl.DateTimeFormat(current, { year: "2-digit", month: "short", timeZone: "UTC" })
    .format(new Date(`${iso}T00:00:00Z`));
}

// A drug's name as the locale writes it (generic Chinese names in zh-CN), else its INN.
export function drug(name) {
  return name ? term("drug", name) : "";
}

// A unit as the locale writes it (UCUM spellings in the data, e.g. mL/min/{1.73_m2}).
export function unit(ucum) {
  return has(`unit.${ucum}`) ? t(`unit.${ucum}`) : ucum;
}

// Translate the static page in place: data-i18n sets the text, data-i18n-args its parameters (JSON),
// data-i18n-attr "attr:key" an attribute. Input values are never touched, so nothing typed is lost.
export function apply(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    const args = el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : undefined;
    el.textContent = t(el.dataset.i18n, args);
  }
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      el.setAttribute(attr, t(key));
    }
  }
}
