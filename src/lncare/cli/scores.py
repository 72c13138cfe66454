"""``lncare calc sledai2k|eular-acr-2019|nih-indices|isn-rps``: disease scores and renal pathology.

Lists are given comma-separated (``--items arthritis,low_complement``). Every value is checked by the
calculator it feeds; a bad one raises :class:`~lncare.errors.InputError` naming the option, which
``lncare.cli.main`` prints as one line with exit code 2.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

import typer

from lncare.calc import criteria, pathology, sledai
from lncare.errors import InputError

# Options are built here, not inside the signatures: with postponed annotations typer evaluates each
# annotation from its source text, so annotations only name these objects.
_JSON = typer.Option("--json", help="Print the result as JSON.")
_ITEMS = typer.Option(
    "--items",
    help="Comma-separated SLEDAI-2K descriptors present at the visit or in the 10 days before "
    "(\"\" for none): " + ", ".join(d.name for d in sledai.DESCRIPTORS) + ".",
)
_ANA = typer.Option(
    "--ana-positive/--ana-negative",
    help="Entry criterion: ANA ever >= 1:80 on HEp-2 cells or an equivalent positive test "
    "(--ana-positive), or never (--ana-negative). Required.",
)
_CRITERIA = typer.Option(
    "--criteria",
    help="Comma-separated criteria ever present and not better explained than by SLE: "
    + ", ".join(c.name for c in criteria.CRITERIA) + ".",
)
_CLASSES = typer.Option(
    "--classes",
    help="ISN/RPS class(es) on the biopsy, e.g. IV, 'III+V' or IV,V. The 2003 qualifiers (IV-G, "
    "III (A/C)) are accepted and dropped, as the 2018 revision does.",
)
JsonFlag = Annotated[bool, _JSON]
T = TypeVar("T")


def register(app: typer.Typer) -> None:
    """Add the score commands to the ``calc`` group."""
    app.command("sledai2k")(sledai2k_command)
    app.command("eular-acr-2019")(eular_acr_2019_command)
    app.command("nih-indices")(nih_indices_command)
    app.command("isn-rps")(isn_rps_command)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _required(value: T | None, option: str) -> T:
    # Checked here rather than by typer so that a missing option is one line on stderr, like any
    # other bad input.
    if value is None:
        raise InputError.missing(option)
    return value


def _emit(payload: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False) if as_json else "\n".join(lines))


def sledai2k_command(
    items: Annotated[str | None, _ITEMS] = None,
    as_json: JsonFlag = False,
) -> None:
    """SLEDAI-2K disease activity score, 0-105 (Gladman 2002)."""
    present = sledai.present_descriptors(_split(_required(items, "--items")), field="--items")
    score = sledai.sledai2k(d.name for d in present)
    payload = {
        "index": "SLEDAI-2K",
        "score": score,
        "maximum": 105,
        "window_days": sledai.WINDOW_DAYS,
        "items": [{"name": d.name, "label": d.label, "weight": d.weight} for d in present],
        "source": "Gladman DD et al. J Rheumatol 2002;29:288-91",
    }
    lines = [f"SLEDAI-2K: {score} (0-105; descriptors present within {sledai.WINDOW_DAYS} days)"]
    lines += [f"  {d.weight:>2}  {d.label}" for d in present]
    _emit(payload, as_json, lines)


def eular_acr_2019_command(
    ana_positive: Annotated[bool | None, _ANA] = None,
    criteria_text: Annotated[str, _CRITERIA] = "",
    as_json: JsonFlag = False,
) -> None:
    """2019 EULAR/ACR SLE classification criteria (Aringer 2019): classified at >= 10 points."""
    ana = _required(ana_positive, "--ana-positive/--ana-negative")
    result = criteria.eular_acr_2019(_split(criteria_text), ana, field="--criteria")
    payload = {
        "criteria": "EULAR/ACR 2019",
        "entry_criterion_met": result.entry_criterion_met,
        "score": result.score,
        "classified": result.classified,
        "counted": {
            domain: {"name": c.name, "label": c.label, "weight": c.weight}
            for domain, c in result.counted.items()
        },
        "not_counted": [c.name for c in result.not_counted],
        "reason": result.reason,
        "source": "Aringer M et al. Ann Rheum Dis 2019;78:1151-9",
    }
    lines = [f"EULAR/ACR 2019: {result.reason}"]
    lines += [f"  {c.weight:>2}  {d.replace('_', ' ')}: {c.label}" for d, c in result.counted.items()]
    lines += [f"   -  not counted (outweighed in its domain): {c.label}" for c in result.not_counted]
    _emit(payload, as_json, lines)


def _percent_option(lesion: pathology.Lesion) -> Any:
    where = "glomeruli" if lesion.basis == "glomeruli" else "cortex"
    doubled = " Counts twice." if lesion.multiplier == 2 else ""
    return typer.Option(f"--{lesion.name.replace('_', '-')}", metavar="PCT",
                        help=f"{lesion.label}, % of {where}.{doubled}")


_A = {lesion.name: _percent_option(lesion) for lesion in pathology.ACTIVITY_LESIONS}
_C = {lesion.name: _percent_option(lesion) for lesion in pathology.CHRONICITY_LESIONS}
Pct = str | None


def nih_indices_command(
    endocapillary_hypercellularity: Annotated[Pct, _A["endocapillary_hypercellularity"]] = None,
    neutrophils_karyorrhexis: Annotated[Pct, _A["neutrophils_karyorrhexis"]] = None,
    fibrinoid_necrosis: Annotated[Pct, _A["fibrinoid_necrosis"]] = None,
    hyaline_deposits: Annotated[Pct, _A["hyaline_deposits"]] = None,
    cellular_fibrocellular_crescents: Annotated[Pct, _A["cellular_fibrocellular_crescents"]] = None,
    interstitial_inflammation: Annotated[Pct, _A["interstitial_inflammation"]] = None,
    glomerulosclerosis: Annotated[Pct, _C["glomerulosclerosis"]] = None,
    fibrous_crescents: Annotated[Pct, _C["fibrous_crescents"]] = None,
    tubular_atrophy: Annotated[Pct, _C["tubular_atrophy"]] = None,
    interstitial_fibrosis: Annotated[Pct, _C["interstitial_fibrosis"]] = None,
    as_json: JsonFlag = False,
) -> None:
    """Modified NIH activity (0-24) and chronicity (0-12) indices from lesion extents (Bajema 2018).

    Give every lesion of an index (0 when absent) to compute it; either index may be left out.
    """
    given = {
        "endocapillary_hypercellularity": endocapillary_hypercellularity,
        "neutrophils_karyorrhexis": neutrophils_karyorrhexis,
        "fibrinoid_necrosis": fibrinoid_necrosis,
        "hyaline_deposits": hyaline_deposits,
        "cellular_fibrocellular_crescents": cellular_fibrocellular_crescents,
        "interstitial_inflammation": interstitial_inflammation,
        "glomerulosclerosis": glomerulosclerosis,
        "fibrous_crescents": fibrous_crescents,
        "tubular_atrophy": tubular_atrophy,
        "interstitial_fibrosis": interstitial_fibrosis,
    }
    activity_pct = _lesion_percents(pathology.ACTIVITY_LESIONS, given, "activity")
    chronicity_pct = _lesion_percents(pathology.CHRONICITY_LESIONS, given, "chronicity")
    if activity_pct is None and chronicity_pct is None:
        raise InputError("--endocapillary-hypercellularity", None,
                         "is missing: give every lesion of the activity and/or chronicity index "
                         "(percent, 0 when absent)")
    activity = None if activity_pct is None else pathology.nih_activity_index(**activity_pct)
    chronicity = None if chronicity_pct is None else pathology.nih_chronicity_index(**chronicity_pct)
    payload = {
        "activity": _index_json(activity),
        "chronicity": _index_json(chronicity),
        "source": "Bajema IM et al. Kidney Int 2018;93:789-96",
    }
    lines: list[str] = []
    for index in (activity, chronicity):
        if index is not None:
            lines.append(f"Modified NIH {index.name} index: {index.total} / {index.maximum}")
            lines += [f"  {s.points:>2}  {s.lesion.label}: {s.percent:g}% (grade {s.grade}"
                      f"{' x2' if s.lesion.multiplier == 2 else ''})" for s in index.items]
    _emit(payload, as_json, lines)


def _lesion_percents(
    lesions: tuple[pathology.Lesion, ...], given: dict[str, str | None], index: str
) -> dict[str, float] | None:
    if all(given[lesion.name] is None for lesion in lesions):
        return None
    percents: dict[str, float] = {}
    for lesion in lesions:
        option = f"--{lesion.name.replace('_', '-')}"
        text = given[lesion.name]
        if text is None:
            raise InputError(option, None, f"is needed for the {index} index (0 when the lesion is absent)")
        try:
            value = float(text)
        except ValueError:
            raise InputError(option, text, "is not a percentage (use a number from 0 to 100)") from None
        percents[lesion.name] = pathology.checked_percent(value, option)
    return percents


def _index_json(index: pathology.NihIndex | None) -> dict[str, Any] | None:
    if index is None:
        return None
    return {
        "total": index.total,
        "maximum": index.maximum,
        "items": [
            {"lesion": s.lesion.name, "label": s.lesion.label, "basis": s.lesion.basis, "percent": s.percent,
             "grade": s.grade, "multiplier": s.lesion.multiplier, "points": s.points}
            for s in index.items
        ],
    }


def isn_rps_command(
    classes: Annotated[str | None, _CLASSES] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check and normalise an ISN/RPS lupus nephritis class (2003, revised 2018)."""
    canonical = pathology.isn_rps_classes(_required(classes, "--classes"), field="--classes")
    payload = {
        "classes": list(canonical),
        "proliferative": pathology.is_proliferative(canonical),
        "pure_membranous": pathology.is_pure_membranous(canonical),
        "advanced_sclerosing": pathology.is_advanced_sclerosing(canonical),
        "source": "Weening JJ et al. J Am Soc Nephrol 2004;15:241-50; "
        "Bajema IM et al. Kidney Int 2018;93:789-96",
    }
    names = " + ".join(pathology.CLASS_NAMES[c] for c in canonical)
    _emit(payload, as_json, [f"ISN/RPS class {' + '.join(canonical)}: {names} lupus nephritis"])
