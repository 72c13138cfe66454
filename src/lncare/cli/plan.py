"""``lncare recommend`` and ``lncare assess``: the clinical engine at the command line (contract 3).

Text is written for a clinician: warnings first, most severe on top, then recommendations grouped by
category with the dose, the reasons and the statement ids behind each line. ``--json`` prints contract 2
exactly; ``--compare`` runs every guideline profile and marks where their plans differ. Only this
adapter reads the clock (the default ``--as-of``); the engine never does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lncare.errors import InputError, one_of

if TYPE_CHECKING:  # the engine loads the knowledge base; import it only when a command runs
    from lncare.model.plan import Assessment, Plan, Recommendation

PatientFile = Annotated[Path, typer.Argument(help="Patient record (JSON, DESIGN.md contract 1).")]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Date of the plan, YYYY-MM-DD (default: today).")
]
Guideline = Annotated[
    str, typer.Option("--guideline", help="Guideline profile: eular2023, kdigo2024 or acr2024.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the plan as JSON (DESIGN.md contract 2).")]
Compare = Annotated[
    bool, typer.Option("--compare", help="Show the plans of all three profiles side by side.")
]

# Where a category's lines sit in the text plan: the order a clinician acts on them.
CATEGORY_ORDER = (
    "induction", "glucocorticoid", "antimalarial", "add_on", "maintenance", "refractory", "adjunct",
    "supportive", "monitoring", "referral",
)


def recommend(
    file: PatientFile,
    as_of: AsOf = None,
    guideline: Guideline = "eular2023",
    as_json: AsJson = False,
    compare: Compare = False,
) -> None:
    """What to do next for this patient: the plan, with doses, reasons and sources on every line."""
    from lncare.engine import recommend as make_plan
    from lncare.engine.profile import PROFILES

    day = parse_as_of(as_of)
    check_guideline(guideline)
    if compare:
        plans = {name: make_plan(file, day, name) for name in PROFILES}
        if as_json:
            out: dict[str, Any] = {name: plan.model_dump(mode="json") for name, plan in plans.items()}
            out["differences"] = differences(plans)
            _echo_json(out)
        else:
            typer.echo("\n".join(compare_text(plans)))
        return
    plan = make_plan(file, day, guideline)
    if as_json:
        _echo_json(plan.model_dump(mode="json"))
    else:
        typer.echo("\n".join(plan_text(plan)))


def assess(
    file: PatientFile,
    as_of: AsOf = None,
    guideline: Guideline = "eular2023",
    as_json: AsJson = False,
) -> None:
    """Where the patient stands: phase, renal response, flare, eGFR, glucocorticoid exposure, gaps."""
    from lncare.engine import assess as make_assessment

    day = parse_as_of(as_of)
    check_guideline(guideline)
    assessment = make_assessment(file, day, guideline)
    if as_json:
        _echo_json(assessment.model_dump(mode="json"))
    else:
        header = f"Assessment on {day.isoformat()} (guideline {guideline})"
        typer.echo("\n".join([header, *assessment_text(assessment)]))


def parse_as_of(text: str | None) -> date:
    if text is None:
        return date.today()  # the CLI is an adapter; the engine itself never reads the clock
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("--as-of", text, "is not a date (use YYYY-MM-DD, e.g. 2026-11-27)") from None


def check_guideline(name: str) -> None:
    from lncare.engine.profile import PROFILES

    if name not in PROFILES:
        raise InputError("--guideline", name, f"is not a guideline profile (use {one_of(PROFILES)})")


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


# --- one plan as text -------------------------------------------------------------------------------


def plan_text(plan: Plan) -> list[str]:
    """The plan as a clinician reads it, warnings first."""
    lines = [
        f"Plan for {plan.patient_id} on {plan.as_of.isoformat()} "
        f"(guideline {plan.guideline}, knowledge base {plan.knowledge_version})",
    ]
    if plan.warnings:
        lines += ["", "Warnings"]
        for warning in plan.warnings:  # the engine orders them most severe first
            lines.append(f"  {warning.severity.upper():<8} {warning.message}{_cites(warning.cites)}")
    lines += ["", "Assessment", *assessment_text(plan.assessment)]
    lines += ["", "Recommendations"]
    if not plan.recommendations:
        lines.append("  none")
    for category in CATEGORY_ORDER:
        chosen = [r for r in plan.recommendations if r.category == category]
        if chosen:
            lines.append(f"  {category.replace('_', ' ').capitalize()}")
            for line in chosen:
                lines += _recommendation_text(line)
    if plan.monitoring:
        lines += ["", "Monitoring"]
        lines += [f"  {m.test:<18} every {m.every_weeks:g} weeks{_cites(m.cites)}" for m in plan.monitoring]
    if plan.excluded:
        lines += ["", "Not to be given"]
        lines += [f"  {e.drug}: {e.reason}{_cites(e.cites)}" for e in plan.excluded]
    if plan.options:
        lines += ["", "Options and expected benefit (matching trials)"]
        for option in plan.options:
            lines.append(f"  {' + '.join(option.regimen)}" + (f": {option.note}" if option.note else ""))
            for result in option.expected:
                nnt = f", NNT {result.nnt:.0f}" if result.nnt is not None else ""
                if result.nnt is not None and result.nnt_ci is not None:
                    nnt += f" ({result.nnt_ci[0]:.0f} to {result.nnt_ci[1]:.0f})"
                lines.append(
                    f"    {result.trial} {result.endpoint} at {result.timepoint_weeks:g} weeks: "
                    f"{result.rate_treatment:.0%} vs {result.rate_control:.0%}, difference "
                    f"{result.difference:+.0%} ({result.difference_ci[0]:+.0%} to "
                    f"{result.difference_ci[1]:+.0%}){nnt}; {result.population_match}"
                )
    return lines


def _recommendation_text(line: Recommendation) -> list[str]:
    head = f"    {line.action.upper():<8} {line.drug or line.text}"
    if line.dose is not None:
        dose = line.dose
        head += f" {dose.amount:g} {dose.unit} {dose.frequency} {dose.route}"
    head += f" [{line.strength.replace('_', ' ')}]"
    out = [head]
    if line.drug is not None:
        out.append(f"      {line.text}")
    if line.dose is not None:
        out.append(f"      dose: {line.dose.basis}")
        out += [
            f"        {step.start.isoformat()}: {step.amount:g} {step.unit} {step.frequency}"
            + (f" until {step.end.isoformat()}" if step.end else "")
            for step in line.dose.schedule
        ]
    if line.because:
        out.append(f"      because: {_facts(line.because)}")
    secondary = " (secondary sources)" if line.certainty == "S" else ""
    out.append(f"      cites: {', '.join(line.cites)}{secondary}")
    return out


def assessment_text(a: Assessment) -> list[str]:
    weeks = f", {a.weeks_on_treatment:g} weeks on treatment" if a.weeks_on_treatment is not None else ""
    start = f" since {a.induction_start.isoformat()}" if a.induction_start else ""
    lines = [f"  phase: {a.phase.replace('_', ' ')}{start}{weeks}"]
    response = a.renal_response
    why = response.reason or (response.definition or "")
    lines.append(f"  renal response: {response.status.replace('_', ' ')}" + (f" ({why})" if why else ""))
    for milestone in a.milestones:
        status = milestone.status.replace("_", " ")
        lines.append(f"    {milestone.label} (due {milestone.due.isoformat()}): {status}")
    if a.flare is not None:
        severity = f", {a.flare.severity}" if a.flare.severity else ""
        lines.append(f"  flare: {a.flare.kind}{severity} ({a.flare.definition})")
    if a.refractory is not None:
        lines.append(f"  refractory: {a.refractory.message}")
    if a.egfr is not None:
        slope = f", slope {a.egfr.slope_per_year:+.1f}/year" if a.egfr.slope_per_year is not None else ""
        lines.append(
            f"  eGFR: {a.egfr.value:.0f} mL/min/1.73 m2 ({a.egfr.equation}, {a.egfr.on.isoformat()}), "
            f"CKD {a.egfr.ckd_stage}{slope}"
        )
    if a.glucocorticoids is not None:
        gc = a.glucocorticoids
        lines.append(
            f"  glucocorticoids: {gc.current_mg_per_day:g} mg/day prednisone-equivalent now, cumulative "
            f"{gc.cumulative_mg:g} mg, {gc.weeks_above_5:g} weeks above 5 and {gc.weeks_above_7_5:g} above "
            f"7.5 mg/day" + (f", pulses {gc.pulses_mg:g} mg" if gc.pulses_mg else "")
        )
    if a.hcq_mg_per_kg_day is not None:
        lines.append(f"  hydroxychloroquine: {a.hcq_mg_per_kg_day:.1f} mg/kg/day of actual weight")
    lines += [f"  - {f.message}" for f in a.findings]
    for missing in a.missing_detail:
        lines.append(f"  missing {missing.item}: prevents {', '.join(missing.prevents)}")
    detailed = {m.item for m in a.missing_detail}
    rest = [item for item in a.missing if item not in detailed]
    if rest:
        lines.append(f"  missing: {', '.join(rest)}")
    return lines


def _facts(because: dict[str, Any]) -> str:
    shown = {key: value for key, value in because.items() if value not in (None, "", [], (), {})}
    return "; ".join(f"{key.replace('_', ' ')} {_value(value)}" for key, value in shown.items())


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "{" + _facts(value) + "}"
    return str(value)


def _cites(cites: Iterable[str]) -> str:
    ids = list(cites)
    return f" [{', '.join(ids)}]" if ids else ""


# --- three profiles side by side --------------------------------------------------------------------


def compared_rows(plans: dict[str, Plan]) -> dict[tuple[str, str], dict[str, str | None]]:
    """(section, item) -> per profile what the plan says about it, or None where it is silent.

    An item is a drug (or a line id for lines without a drug) within a category, a monitored test, an
    excluded drug, a warning code, or an assessment fact; a difference is any item the profiles
    describe differently.
    """
    rows: dict[tuple[str, str], dict[str, str | None]] = {}

    def put(section: str, item: str, name: str, text: str) -> None:
        row = rows.setdefault((section, item), dict.fromkeys(plans))
        row[name] = text if row[name] is None else f"{row[name]}; {text}"

    for name, plan in plans.items():
        a = plan.assessment
        put("assessment", "renal response", name, a.renal_response.status)
        put("assessment", "phase", name, a.phase)
        if a.flare is not None:
            put("assessment", "flare", name, f"{a.flare.kind} {a.flare.severity or ''}".strip())
        if a.refractory is not None:
            put("assessment", "refractory", name, "yes")
        for line in plan.recommendations:
            text = line.action + (f" {line.dose.amount:g} {line.dose.unit} {line.dose.frequency}"
                                  if line.dose else "")
            put(line.category, line.drug or line.id, name, text)
        for item in plan.monitoring:
            put("monitoring", item.test, name, f"every {item.every_weeks:g} weeks")
        for exclusion in plan.excluded:
            put("not to be given", exclusion.drug, name, exclusion.reason)
        for warning in plan.warnings:
            put("warnings", warning.code, name, warning.severity)
    return rows


def differences(plans: dict[str, Plan]) -> list[dict[str, Any]]:
    """The items on which the profiles' plans differ (``--compare --json``)."""
    return [
        {"section": section, "item": item, "plans": row}
        for (section, item), row in compared_rows(plans).items()
        if len(set(row.values())) > 1
    ]


def compare_text(plans: dict[str, Plan]) -> list[str]:
    """One table per section, a '*' before every row where the profiles differ."""
    names = list(plans)
    first = next(iter(plans.values()))
    lines = [f"Plans for {first.patient_id} on {first.as_of.isoformat()} under {', '.join(names)}",
             "(* marks a row where the profiles differ; - means the profile's plan is silent)"]
    rows = compared_rows(plans)
    sections = ["assessment", "warnings", *CATEGORY_ORDER, "not to be given"]
    sections += [s for s in dict.fromkeys(section for section, _ in rows) if s not in sections]
    width = 28
    for section in sections:
        items = [(item, row) for (s, item), row in rows.items() if s == section]
        if not items:
            continue
        lines += ["", section.replace("_", " ").capitalize()]
        lines.append(("    " + f"{'':<{width}}" + "".join(f"{n:<{width}}" for n in names)).rstrip())
        for item, row in items:
            mark = "*" if len(set(row.values())) > 1 else " "
            cells = "".join(f"{_fit(row[n] or '-', width):<{width}}" for n in names)
            lines.append(f"  {mark} {_fit(item, width):<{width}}{cells}".rstrip())
    return lines


def _fit(text: str, width: int) -> str:
    return text if len(text) < width else text[: width - 2] + "…"

