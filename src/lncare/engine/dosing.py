"""Doses for this patient: read from the knowledge base, computed from the patient's own measures.

A rule asks :func:`dose_for` (any therapy and setting), :func:`glucocorticoid_plan` (oral start dose and a
dated taper to the profile's target) or :func:`methylprednisolone_pulses`. Each answers a plan
:class:`~lncare.model.plan.Dose` with its ``basis`` (how it was reached and rounded) and ``cites``, or a
:class:`NoDose` saying which inputs are missing or implausible, or why no dose may be given, so the rule
can write "no dose: weight missing" instead of a number with nothing behind it.

Only regimens, limits and formulations of certainty V or S are used (knowledge schema ``Fact``); where a
source gives a range, the lower end is proposed and the range is stated in ``basis``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lncare.engine.context import Context
from lncare.knowledge.schema.statement import Statement
from lncare.model.plan import Dose

# Regimen settings of the therapy knowledge (knowledge/schema/therapy.py Regimen.setting).
SETTINGS: tuple[str, ...] = (
    "induction", "maintenance", "pulse", "add_on", "refractory", "class_ii", "class_v",
    "kidney_protection", "prophylaxis", "supportive", "sle",
)


@dataclass(frozen=True)
class NoDose:
    """Why no dose was computed: the inputs missing or implausible (``missing``), and a reason to show."""

    drug: str
    reason: str
    missing: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"no dose of {self.drug}: {self.reason}"


DoseResult = Dose | NoDose


def dose_for(
    ctx: Context, therapy_id: str, setting: str, *, statement: Statement | None = None,
    regimen: str | None = None,
) -> DoseResult:
    """The dose of ``therapy_id`` for this patient in ``setting`` (one of :data:`SETTINGS`).

    The regimen is the knowledge base's usable regimen for the setting (``regimen`` picks one by id;
    otherwise the one citing the profile's guideline first), or the doses of ``statement`` for the drug
    when it gives them. Weight-based amounts use actual body weight, BSA-based ones Mosteller BSA; both
    are capped by the therapy's usable maximum doses and rounded to a usable formulation strength.
    Voclosporin follows its label: baseline eGFR and BP are needed to start, and on treatment the dose
    is lowered (or no dose given) by the fall of eGFR from the baseline at its start.
    """
    raise NotImplementedError


def glucocorticoid_plan(ctx: Context) -> DoseResult:
    """Oral prednisone start dose with a dated taper (``Dose.schedule``) to the profile's target.

    kdigo2024: the reduced-dose table of the KDIGO 2024 practice point; acr2024: <= 0.5 mg/kg (max 40
    mg) tapered to <= 5 mg by 6 months; eular2023: 0.3-0.5 mg/kg tapered to <= 7.5 mg by 3-6 months and
    <= 5 mg for maintenance. The schedule starts on ``ctx.as_of``.
    """
    raise NotImplementedError


def methylprednisolone_pulses(ctx: Context) -> DoseResult:
    """IV methylprednisolone pulses as the profile's guideline states them (amount per day, days)."""
    raise NotImplementedError
