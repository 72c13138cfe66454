"""A synthetic population with SLE and lupus nephritis, written as OMOP CDM v5.4 tables.

Synthea has no lupus nephritis (shared/domain/scale.md section 2), so lncare draws its own: numpy arrays
for a whole chunk of people at once, one ``numpy.random.Generator`` per chunk seeded by (seed, chunk
number), hence the same seed and chunk size always give identical tables.

Who: people with SLE (:data:`concepts.CONDITIONS` ``sle``); a fraction (``SynthConfig.ln_fraction``) has
lupus nephritis with a kidney biopsy (class II, III, IV, V, III+V or IV+V) and starts induction 3-21
days later on one of :data:`REGIMENS`. Each treated patient draws a renal response class (complete,
partial, none) with the probabilities of the knowledge-base trials (:func:`response_rates`); UPCR and
creatinine then follow that class: a complete responder falls below 0.5 g/g between months 4 and 10
with stable creatinine, a partial responder falls by at least half but stays above 0.5 g/g, a
non-responder stays nephrotic-range with rising creatinine. Some responders flare later.

Drug rows (how a dose is stored): OMOP has no dose column (interop.md section 4), so each
``drug_exposure`` row is one constant-dose stretch with
- ``sig`` = ``"<amount> <unit> <frequency> <route>"`` in lncare's vocabulary, e.g. ``"1000 mg bid oral"``
  or ``"10 mg/kg q4w iv"`` (the amount per administration), and ``dose_unit_source_value`` = the unit;
- ``quantity`` = total mg over the row and ``days_supply`` = its days (end - start + 1), so
  ``quantity / days_supply`` is the mean mg/day; for a daily oral glucocorticoid that *is* the dose in
  mg/day, which is what population measures (prednisone <= 5 mg/day at 6 months) read.
:mod:`lncare.cohort.records` turns ``sig`` back into the record's dose, unit, frequency and route.

Mess, at seeded rates (:class:`SynthConfig`): lab rows missing, lab and drug rows duplicated under a
new id, a share of rows shuffled so ids and dates disagree, unit variants (UPCR in mg/mg, mg/g or
mg/mmol; creatinine in mg/dL or umol/L; albumin, C3, C4 in two units), LN coded under two concepts,
HCQ refills missed or never started, RAAS blockade not always started, slow glucocorticoid tapers.

Numbers that are modelling choices, not clinical facts, are marked "synthetic" where they are set.
"""

from __future__ import annotations

import datetime
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from lncare import knowledge
from lncare.cohort import concepts as c
from lncare.cohort import omop
from lncare.errors import InputError
from lncare.model.units import CREATININE_G_PER_MOL, CREATININE_UMOL_PER_MG_DL

Array = npt.NDArray[Any]
FloatArray = npt.NDArray[np.float64]

DAYS_PER_MONTH = 30.4375  # 365.25 / 12
ROW_ID_STRIDE = 10**10  # ids of chunk k start at k * stride + 1, so chunks never collide
MAX_CHUNK = 1_000_000

REGIMENS: tuple[str, ...] = (
    "mmf", "euro-lupus-cyc", "mmf+belimumab", "voclosporin+mmf", "obinutuzumab+mmf", "tacrolimus-multitarget",
)
# Synthetic mix of regimens among treated patients (not an epidemiological figure).
REGIMEN_SHARES: tuple[float, ...] = (0.35, 0.15, 0.15, 0.12, 0.10, 0.13)
NO_REGIMEN = -1  # class II: no induction immunosuppression

# Biopsy findings and their synthetic shares (class IV the most common, as in most LN series).
CLASS_PATTERNS: tuple[tuple[str, ...], ...] = (("II",), ("III",), ("IV",), ("V",), ("III", "V"), ("IV", "V"))
CLASS_SHARES: tuple[float, ...] = (0.08, 0.20, 0.37, 0.20, 0.05, 0.10)

COMPLETE, PARTIAL, NONE, NOT_TREATED = 0, 1, 2, -1
RESPONSE_NAMES = {COMPLETE: "complete", PARTIAL: "partial", NONE: "none", NOT_TREATED: "not_treated"}


@dataclass(frozen=True)
class RateSource:
    """Where a response rate comes from: a knowledge-base trial, endpoint and arm."""

    trial: str
    endpoint: str
    arm: str


# Complete renal response by regimen.
COMPLETE_SOURCES: dict[str, RateSource] = {
    # AURORA 1 placebo arm = MMF 1 g bid + low-dose glucocorticoids, CRR at week 52 (22.5%).
    "mmf": RateSource("aurora-1", "crr-52w", "placebo"),
    # ALMS IV cyclophosphamide arm, remission on all three criteria at week 24 (8.1%); the KB stores no
    # Euro-Lupus response rates, so the monthly IVC arm of ALMS stands in for the CYC regimen.
    "euro-lupus-cyc": RateSource("alms-induction", "complete-remission-24w", "ivc"),
    "mmf+belimumab": RateSource("bliss-ln", "crr-104w", "belimumab"),  # BLISS-LN CRR week 104 (30%)
    "voclosporin+mmf": RateSource("aurora-1", "crr-52w", "voclosporin"),  # AURORA 1 CRR week 52 (40.8%)
    "obinutuzumab+mmf": RateSource("regency", "crr-76w", "obinutuzumab"),  # REGENCY CRR week 76 (46.4%)
    "tacrolimus-multitarget": RateSource("liu-2015-multitarget", "cr-24w", "multitarget"),  # 45.9%
}
# Complete or partial response by regimen, where a trial reports one.
ANY_RESPONSE_SOURCES: dict[str, RateSource] = {
    "mmf": RateSource("alms-induction", "response-24w", "mmf"),  # ALMS MMF arm, week 24 (56.2%)
    "euro-lupus-cyc": RateSource("alms-induction", "response-24w", "ivc"),  # ALMS IVC arm (53.0%)
    # BLISS-LN primary efficacy renal response (UPCR <= 0.7) at week 104 (43%).
    "mmf+belimumab": RateSource("bliss-ln", "perr-104w", "belimumab"),
    "obinutuzumab+mmf": RateSource("regency", "upcr-below-0.8-76w", "obinutuzumab"),  # UPCR < 0.8 (55.5%)
    "tacrolimus-multitarget": RateSource("liu-2015-multitarget", "overall-response-24w", "multitarget"),
}
# Synthetic: where no trial figure exists (voclosporin), this share of non-complete responders is partial.
PARTIAL_SHARE_WITHOUT_FIGURE = 0.35


@dataclass(frozen=True)
class SynthConfig:
    """Rates of the population and of its mess; every default is a synthetic choice."""

    ln_fraction: float = 0.3
    start: datetime.date = datetime.date(2015, 1, 1)
    missing_rate: float = 0.04  # lab rows dropped
    duplicate_rate: float = 0.02  # lab, drug and condition rows repeated under a new id
    shuffle_rate: float = 0.10  # rows moved so that ids no longer follow dates
    hcq_never_rate: float = 0.12  # never prescribed hydroxychloroquine
    hcq_gap_rate: float = 0.15  # each 90-day refill missed with this probability
    raas_rate: float = 0.75  # proteinuric LN patients started on an ACE inhibitor or ARB
    slow_taper_rate: float = 0.20  # prednisone still 10 mg/day at month 6
    flare_rate: float = 0.25  # responders who flare in months 12-30
    prednisolone_rate: float = 0.30  # oral glucocorticoid coded as prednisolone instead of prednisone
    ln_variant_rate: float = 0.15  # LN coded as 37016279 instead of 4285717
    upcr_units: tuple[tuple[str, float], ...] = (("mg/mg", 0.5), ("mg/g", 0.3), ("mg/mmol", 0.2))
    creatinine_units: tuple[tuple[str, float], ...] = (("mg/dL", 0.7), ("umol/L", 0.3))
    albumin_units: tuple[tuple[str, float], ...] = (("g/dL", 0.6), ("g/L", 0.4))
    complement_units: tuple[tuple[str, float], ...] = (("mg/dL", 0.7), ("g/L", 0.3))
    regimen_shares: tuple[float, ...] = field(default=REGIMEN_SHARES)

    def __post_init__(self) -> None:
        for name in ("ln_fraction", "missing_rate", "duplicate_rate", "shuffle_rate", "hcq_never_rate",
                     "hcq_gap_rate", "raas_rate", "slow_taper_rate", "flare_rate", "prednisolone_rate",
                     "ln_variant_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InputError(name, value, "must be a rate between 0 and 1")


def response_rates() -> dict[str, tuple[float, float]]:
    """(complete, complete-or-partial) response probability per regimen, read from the knowledge base."""
    rates = {}
    for regimen in REGIMENS:
        complete = _trial_rate(COMPLETE_SOURCES[regimen])
        source = ANY_RESPONSE_SOURCES.get(regimen)
        any_response = (
            _trial_rate(source) if source else complete + PARTIAL_SHARE_WITHOUT_FIGURE * (1.0 - complete)
        )
        rates[regimen] = (complete, max(complete, any_response))
    return rates


def _trial_rate(source: RateSource) -> float:
    endpoint = knowledge.load().trials[source.trial].endpoint(source.endpoint)
    for result in endpoint.results:
        if result.arm == source.arm:
            if result.percent is not None:
                return result.percent / 100.0
            if result.events is not None and result.n:
                return result.events / result.n
    raise LookupError(f"{source.trial} {source.endpoint} has no rate for arm {source.arm}")


@dataclass(frozen=True)
class People:
    """The latent population of one chunk: one array element per person (dates as days since 1970)."""

    person_id: Array
    female: Array
    birth: Array
    sle: Array
    ln: Array
    biopsy: Array
    induction: Array
    pattern: Array  # index into CLASS_PATTERNS (-1 without LN)
    regimen: Array  # index into REGIMENS (NO_REGIMEN when untreated)
    response: Array  # COMPLETE, PARTIAL, NONE or NOT_TREATED
    flare_month: Array  # months after induction (inf: no flare)
    obs_start: Array
    obs_end: Array
    weight: Array
    height: Array
    upcr_base: Array
    upcr_final: Array
    response_month: Array
    creatinine_base: Array
    creatinine_change: Array  # relative change reached at month 12


def draw_people(n: int, first_id: int, rng: np.random.Generator, config: SynthConfig) -> People:
    """``n`` people with ids ``first_id + 1 ...``: demography, LN, biopsy, regimen, response, trajectories."""
    epoch = (config.start - datetime.date(1970, 1, 1)).days
    female = rng.random(n) < 6 / 7  # Synthea lupus module: F:M 6:1 (scale.md section 2)
    sle = epoch + rng.integers(0, 6 * 365, n)
    age_years = rng.uniform(18, 55, n)  # synthetic: adults, as the engine's adult dosing assumes
    birth = sle - np.round(age_years * 365.25).astype(np.int64)
    ln = rng.random(n) < config.ln_fraction
    biopsy = sle + rng.integers(0, 730, n)
    induction = biopsy + rng.integers(3, 22, n)
    pattern = np.where(ln, rng.choice(len(CLASS_PATTERNS), n, p=CLASS_SHARES), -1)
    treated = ln & (pattern != 0)
    shares = np.asarray(config.regimen_shares) / np.sum(config.regimen_shares)
    regimen = np.where(treated, rng.choice(len(REGIMENS), n, p=shares), NO_REGIMEN)
    rates = response_rates()
    complete = np.array([rates[r][0] for r in REGIMENS])[regimen]
    any_response = np.array([rates[r][1] for r in REGIMENS])[regimen]
    u = rng.random(n)
    response = np.where(u < complete, COMPLETE, np.where(u < any_response, PARTIAL, NONE))
    response = np.where(treated, response, NOT_TREATED)
    flare = (response == COMPLETE) | (response == PARTIAL)
    flare &= rng.random(n) < config.flare_rate
    flare_month = np.where(flare, rng.uniform(12, 30, n), np.inf)
    # Synthetic follow-up: LN 24-30 months after induction (covers the 24-month landmark), SLE 12-24 months;
    # with the visit rates below, about 30 measurement rows per person (issue 8: 30 million for a million).
    follow_months = np.where(ln, rng.uniform(24, 30, n), rng.uniform(12, 24, n))
    anchor = np.where(ln, induction, sle)
    obs_end = anchor + np.round(follow_months * DAYS_PER_MONTH).astype(np.int64)
    obs_start = sle - rng.integers(30, 365, n)
    weight = np.clip(rng.normal(np.where(female, 66, 78), 12), 42, 130).round(1)
    height = np.clip(rng.normal(np.where(female, 163, 176), 7), 145, 200).round(1)
    # UPCR g/g: nephrotic-range at biopsy for proliferative/membranous LN, low otherwise (synthetic).
    upcr_base = np.where(ln, rng.lognormal(math.log(3.0), 0.5, n), rng.lognormal(math.log(0.12), 0.4, n))
    upcr_base = np.where(pattern == 0, rng.uniform(0.3, 0.9, n), upcr_base)
    upcr_base = np.clip(upcr_base, 0.05, 12.0)
    final = np.select(
        [response == COMPLETE, response == PARTIAL, response == NONE],
        [
            rng.uniform(0.08, 0.30, n),
            np.maximum(0.7, upcr_base * rng.uniform(0.2, 0.5, n)),
            np.maximum(1.0, upcr_base * rng.uniform(0.7, 1.2, n)),
        ],
        upcr_base * rng.uniform(0.6, 1.0, n),
    )
    response_month = np.where(response == COMPLETE, rng.uniform(4, 10, n), rng.uniform(4, 12, n))
    creatinine_base = np.clip(rng.lognormal(np.log(np.where(female, 0.85, 1.05)), 0.25, n), 0.4, 4.0)
    creatinine_change = np.select(
        [response == COMPLETE, response == PARTIAL, response == NONE],
        [rng.uniform(-0.08, 0.0, n), rng.uniform(-0.05, 0.05, n), rng.uniform(0.15, 0.6, n)],
        np.zeros(n),
    )
    return People(
        person_id=first_id + 1 + np.arange(n, dtype=np.int64), female=female, birth=birth, sle=sle, ln=ln,
        biopsy=biopsy, induction=induction, pattern=pattern, regimen=regimen, response=response,
        flare_month=flare_month, obs_start=obs_start, obs_end=obs_end, weight=weight, height=height,
        upcr_base=upcr_base, upcr_final=final, response_month=response_month,
        creatinine_base=creatinine_base, creatinine_change=creatinine_change,
    )


def synthesize(
    patients: int,
    *,
    seed: int = 0,
    start: datetime.date = SynthConfig.start,
    progress: bool = False,
    chunk: int = 100_000,
    config: SynthConfig | None = None,
) -> Iterator[dict[str, pa.Table]]:
    """OMOP tables for ``patients`` people, one dict of tables per chunk of ``chunk`` people.

    Chunk ``k`` draws from ``numpy.random.default_rng([seed, k])``, people first (:func:`draw_people`),
    so the latent people of a chunk (response class, regimen) can be drawn again beside its tables.
    """
    if isinstance(patients, bool) or not isinstance(patients, int) or patients < 1:
        raise InputError("patients", patients, "must be a whole number of at least 1")
    if isinstance(chunk, bool) or not isinstance(chunk, int) or not 1 <= chunk <= MAX_CHUNK:
        raise InputError("chunk", chunk, f"must be a whole number from 1 to {MAX_CHUNK:,}")
    cfg = config or SynthConfig(start=start)
    if config is not None and start != SynthConfig.start:
        cfg = SynthConfig(**{**cfg.__dict__, "start": start})
    bar = _Progress(patients) if progress else None
    try:
        for k, first in enumerate(range(0, patients, chunk)):
            n = min(chunk, patients - first)
            rng = np.random.default_rng([seed, k])
            people = draw_people(n, first, rng, cfg)
            yield _Tables(people, rng, cfg, k * ROW_ID_STRIDE).build()
            if bar is not None:
                bar.advance(n)
    finally:
        if bar is not None:
            bar.close()


def write_synthetic(patients: int, out: Path, *, seed: int = 0, progress: bool = False) -> Path:
    """Write ``patients`` synthetic people to ``out`` (``*.duckdb``, else a Parquet folder), return it."""
    if out.exists():
        raise InputError("out", str(out), "already exists (choose a new path, or delete it first)")
    try:
        for tables in synthesize(patients, seed=seed, progress=progress):
            omop.write(tables, out)
    except BaseException:
        # A half-written database would pass for a smaller population.
        if out.is_dir():
            shutil.rmtree(out)
        elif out.exists():
            out.unlink()
        raise
    return out


class _Progress:
    """A rich progress bar over people written."""

    def __init__(self, total: int) -> None:
        from rich.progress import Progress  # lazy: only --progress pays for rich

        self._bar = Progress(transient=False)
        self._bar.start()
        self._task = self._bar.add_task("synthetic OMOP people", total=total)

    def advance(self, n: int) -> None:
        self._bar.advance(self._task, n)

    def close(self) -> None:
        self._bar.stop()


def ckd_epi_2021(creatinine: FloatArray, age: FloatArray, female: Array) -> FloatArray:
    """CKD-EPI 2021 creatinine eGFR (Inker et al., N Engl J Med 2021;385:1737-49), vectorised.

    Same constants as :mod:`lncare.calc.egfr`; a test holds the two to the same values.
    """
    kappa = np.where(female, 0.7, 0.9)
    alpha = np.where(female, -0.241, -0.302)
    ratio = creatinine / kappa
    value = 142.0 * np.minimum(ratio, 1.0) ** alpha * np.maximum(ratio, 1.0) ** -1.200 * 0.9938**age
    return np.asarray(np.where(female, value * 1.012, value))


# Units of the lab rows: factor from the canonical unit (model/units.py) to the unit written.
_FROM_CANONICAL: dict[str, float] = {
    "mg/mg": 1.0, "mg/g": 1000.0, "mg/mmol": CREATININE_G_PER_MOL,  # UPCR g/g -> ...
    "mg/dL": 1.0, "umol/L": CREATININE_UMOL_PER_MG_DL,  # creatinine mg/dL -> ...
}
_ALBUMIN_FROM_G_DL = {"g/dL": 1.0, "g/L": 10.0}
_COMPLEMENT_FROM_MG_DL = {"mg/dL": 1.0, "g/L": 0.01}


class _Rows:
    """Columns of one OMOP table, gathered part by part and concatenated once."""

    def __init__(self) -> None:
        self.parts: dict[str, list[Array]] = {}

    def add(self, **columns: Any) -> None:
        arrays = {name: np.asarray(values) for name, values in columns.items()}
        size = max(len(a) for a in arrays.values() if a.ndim)
        for name, arr in arrays.items():
            self.parts.setdefault(name, []).append(np.broadcast_to(arr, (size,)) if arr.ndim == 0 else arr)

    def columns(self) -> dict[str, Array]:
        return {name: np.concatenate(parts) for name, parts in self.parts.items()}


class _Tables:
    """The OMOP tables of one chunk of :class:`People`."""

    def __init__(self, people: People, rng: np.random.Generator, config: SynthConfig, id_base: int) -> None:
        self.p, self.rng, self.cfg, self.id_base = people, rng, config, id_base

    def build(self) -> dict[str, pa.Table]:
        p = self.p
        tables = {
            "person": self._person(),
            "observation_period": omop.conform("observation_period", pa.table({
                "observation_period_id": p.person_id, "person_id": p.person_id,
                "observation_period_start_date": _dates(p.obs_start),
                "observation_period_end_date": _dates(p.obs_end),
                "period_type_concept_id": np.full(len(p.person_id), c.EHR.id, dtype=np.int32),
            })),
            "condition_occurrence": self._conditions(),
            "procedure_occurrence": self._procedures(),
            "measurement": self._measurements(),
            "drug_exposure": self._drugs(),
        }
        return tables

    # --- person, conditions, procedures ---

    def _person(self) -> pa.Table:
        p = self.p
        born = np.asarray(p.birth, dtype="datetime64[D]")
        years = born.astype("datetime64[Y]")
        months = born.astype("datetime64[M]")
        order = self.rng.permutation(len(p.person_id))  # persons arrive out of id order
        table = pa.table({
            "person_id": p.person_id,
            "gender_concept_id": np.where(p.female, c.FEMALE.id, c.MALE.id).astype(np.int32),
            "year_of_birth": (years.astype(np.int64) + 1970).astype(np.int32),
            "month_of_birth": (months.astype(np.int64) % 12 + 1).astype(np.int32),
            "day_of_birth": ((born - months.astype("datetime64[D]")).astype(np.int64) + 1).astype(np.int32),
            "race_concept_id": np.zeros(len(p.person_id), dtype=np.int32),
            "ethnicity_concept_id": np.zeros(len(p.person_id), dtype=np.int32),
            "gender_source_value": pa.array(np.array(["M", "F"]))
            .take(pa.array(p.female.astype(np.int64))),
        })
        return omop.conform("person", table.take(pa.array(order)))

    def _conditions(self) -> pa.Table:
        p, rng = self.p, self.rng
        rows = _Rows()
        n = len(p.person_id)
        rows.add(person=np.arange(n), concept=np.full(n, c.CONDITIONS["sle"]), day=p.sle,
                 source=np.zeros(n, dtype=np.int64))
        ln = np.flatnonzero(p.ln)
        variant = rng.random(len(ln)) < self.cfg.ln_variant_rate
        coded = c.CONDITIONS["lupus_nephritis"]
        ln_concept = np.where(variant, c.CONDITION_SETS["lupus_nephritis"][1], coded)
        rows.add(person=ln, concept=ln_concept, day=p.biopsy[ln], source=np.ones(len(ln), dtype=np.int64))
        cols = self._mess(rows.columns(), shuffle=False)
        table = pa.table({
            "condition_occurrence_id": self._ids(len(cols["person"])),
            "person_id": p.person_id[cols["person"]],
            "condition_concept_id": cols["concept"].astype(np.int32),
            "condition_start_date": _dates(cols["day"]),
            "condition_type_concept_id": np.full(len(cols["person"]), c.EHR.id, dtype=np.int32),
            "condition_source_value": pa.array(np.array(["systemic lupus erythematosus", "lupus nephritis"]))
            .take(pa.array(cols["source"])),
        })
        return omop.conform("condition_occurrence", table)

    def _procedures(self) -> pa.Table:
        p = self.p
        ln = np.flatnonzero(p.ln)
        return omop.conform("procedure_occurrence", pa.table({
            "procedure_occurrence_id": self._ids(len(ln)),
            "person_id": p.person_id[ln],
            "procedure_concept_id": np.full(len(ln), c.KIDNEY_BIOPSY.id, dtype=np.int32),
            "procedure_date": _dates(p.biopsy[ln]),
            "procedure_type_concept_id": np.full(len(ln), c.EHR.id, dtype=np.int32),
            "procedure_source_value": np.full(len(ln), "kidney biopsy"),
        }))

    # --- measurements ---

    def _visits(self) -> tuple[Array, Array]:
        """(person index, months from the anchor) of every lab visit, person by person in time order."""
        p, rng = self.p, self.rng
        n = len(p.person_id)
        anchor = np.where(p.ln, p.induction, p.sle)
        span = (p.obs_end - anchor) / DAYS_PER_MONTH
        # LN: every 1.5-3 months during follow-up (synthetic; KDIGO monitors at least every 3 months);
        # SLE without LN: every 6-12 months.
        low, high = np.where(p.ln, 1.5, 6.0), np.where(p.ln, 3.0, 12.0)
        width = _MAX_VISITS
        steps = rng.uniform(0.0, 1.0, (n, width)) * (high - low)[:, None] + low[:, None]
        first = np.where(p.ln, (p.biopsy - p.induction) / DAYS_PER_MONTH - 0.05, 0.0)
        steps[:, 0] = first
        times = np.cumsum(steps, axis=1)
        times[:, 0] = first
        keep = times <= span[:, None]
        person = np.broadcast_to(np.arange(n)[:, None], (n, width))[keep]
        return person, times[keep]

    def _measurements(self) -> pa.Table:
        p, rng, cfg = self.p, self.rng, self.cfg
        person, t = self._visits()
        m = len(person)
        anchor = np.where(p.ln, p.induction, p.sle)[person]
        day = anchor + np.round(t * DAYS_PER_MONTH).astype(np.int64)
        upcr = self._upcr(person, t)
        creatinine = self._creatinine(person, t)
        age = (day - p.birth[person]) / 365.25
        egfr = ckd_epi_2021(creatinine, age, p.female[person])
        base = np.maximum(p.upcr_base[person], 0.6)
        activity = np.clip(np.log(upcr / 0.2) / np.log(base / 0.2), 0.0, 1.0)
        albumin = np.clip(4.3 - 0.3 * np.minimum(upcr, 6.0) + rng.normal(0, 0.2, m), 1.5, 5.2)
        c3 = np.clip(115 - 55 * activity + rng.normal(0, 8, m), 20, 200)
        c4 = np.clip(24 - 14 * activity + rng.normal(0, 3, m), 2, 60)
        dsdna = np.clip(np.exp(math.log(30) + activity * math.log(10) + rng.normal(0, 0.4, m)), 1, 5000)
        sbp = np.round(122 + 14 * activity + rng.normal(0, 9, m))
        dbp = np.round(76 + 8 * activity + rng.normal(0, 6, m))
        weight = np.round(p.weight[person] + rng.normal(0, 1.0, m), 1)
        first_visit = np.r_[True, person[1:] != person[:-1]]
        # Synthetic: the immunology panel and vitals at 30% of visits after the first.
        panel = first_visit | (rng.random(m) < 0.3)
        vitals = first_visit | (rng.random(m) < 0.3)
        rows = _Rows()

        def lab(concept: int, values: FloatArray, unit: str, where: Array, source: str) -> None:
            idx = np.flatnonzero(where)
            value = np.round(values[idx], _DECIMALS.get((source, unit), 2))  # as a lab report prints it
            rows.add(visit=idx, concept=np.int64(concept), value=value, unit=np.int64(c.UNIT_IDS[unit]),
                     source=np.int64(_SOURCE_INDEX[source]))

        def lab_units(concept: int, values: FloatArray, units: tuple[tuple[str, float], ...],
                      factors: dict[str, float], where: Array, source: str) -> None:
            pick = rng.choice(len(units), m, p=np.array([w for _, w in units]) / sum(w for _, w in units))
            for i, (unit, _) in enumerate(units):
                lab(concept, values * factors[unit], unit, where & (pick == i), source)

        every = np.ones(m, dtype=bool)
        mm = c.MEASUREMENTS
        lab_units(mm["upcr"], upcr, cfg.upcr_units, _FROM_CANONICAL, every, "upcr")
        lab_units(mm["creatinine"], creatinine, cfg.creatinine_units, _FROM_CANONICAL, every, "creatinine")
        lab(mm["egfr"], np.round(egfr), "mL/min/{1.73_m2}", every, "egfr")
        lab_units(mm["albumin"], albumin, cfg.albumin_units, _ALBUMIN_FROM_G_DL, panel, "albumin")
        lab_units(mm["c3"], c3, cfg.complement_units, _COMPLEMENT_FROM_MG_DL, panel, "c3")
        lab_units(mm["c4"], c4, cfg.complement_units, _COMPLEMENT_FROM_MG_DL, panel, "c4")
        lab(mm["anti_dsdna"], dsdna, "[IU]/mL", panel, "anti_dsdna")
        lab(mm["systolic_bp"], sbp, "mm[Hg]", vitals, "systolic_bp")
        lab(mm["diastolic_bp"], dbp, "mm[Hg]", vitals, "diastolic_bp")
        lab(c.WEIGHT.id, weight, "kg", vitals, "weight")
        lab(c.HEIGHT.id, p.height[person], "cm", first_visit, "height")
        cols = rows.columns()
        keep = rng.random(len(cols["visit"])) >= cfg.missing_rate
        cols = {k: v[keep] for k, v in cols.items()}
        order = np.argsort(cols["visit"], kind="stable")  # person, then date, as a lab system exports
        cols = {k: v[order] for k, v in cols.items()}
        cols["person"] = person[cols["visit"]]
        cols["day"] = day[cols["visit"]]
        cols["value_source"] = np.full(len(cols["visit"]), -1)
        cols = self._biopsy_classes(cols)
        cols = self._mess(cols, shuffle=True)
        count = len(cols["person"])
        units = cols["unit"]
        has_unit = pa.array(units > 0)
        unit_ids = np.array(sorted(c.UNITS))
        unit_text = pa.array([c.UNITS[int(u)] for u in unit_ids]).take(
            pa.array(np.searchsorted(unit_ids, np.where(units > 0, units, unit_ids[0])))
        )
        is_class = pa.array(cols["value_source"] >= 0)
        roman = pa.array(list(c.ISN_RPS_CLASSES.values())).take(pa.array(np.maximum(cols["value_source"], 0)))
        table = pa.table({
            "measurement_id": self._ids(count),
            "person_id": p.person_id[cols["person"]],
            "measurement_concept_id": cols["concept"].astype(np.int32),
            "measurement_date": _dates(cols["day"]),
            "measurement_type_concept_id": np.full(count, c.LAB.id, dtype=np.int32),
            "value_as_number": cols["value"].astype(np.float64),
            "unit_concept_id": pc.if_else(has_unit, pa.array(units.astype(np.int32)), None),
            "measurement_source_value": pa.array(_SOURCES).take(pa.array(cols["source"])),
            "unit_source_value": pc.if_else(has_unit, unit_text, None),
            "value_source_value": pc.if_else(is_class, roman, None),
        })
        return omop.conform("measurement", table)

    def _biopsy_classes(self, cols: dict[str, Array]) -> dict[str, Array]:
        """One row per ISN/RPS class on the biopsy date (see concepts.BIOPSY_CLASS), in date order."""
        p = self.p
        ln = np.flatnonzero(p.ln)
        person, value = [], []
        for i, classes in enumerate(CLASS_PATTERNS):
            who = ln[p.pattern[ln] == i]
            for name in classes:
                person.append(who)
                value.append(np.full(len(who), _ROMAN_TO_INT[name]))
        pers = np.concatenate(person)
        vals = np.concatenate(value)
        extra = {
            "visit": np.full(len(pers), -1), "concept": np.full(len(pers), c.BIOPSY_CLASS.id),
            "value": vals.astype(np.float64), "unit": np.zeros(len(pers), dtype=np.int64),
            "source": np.full(len(pers), _SOURCE_INDEX["biopsy_class"]), "person": pers,
            "day": p.biopsy[pers], "value_source": vals - 1,
        }
        merged = {k: np.concatenate([extra[k], cols[k]]) for k in cols}
        order = np.lexsort((merged["day"], merged["person"]))  # stable: lab order kept within a day
        return {k: v[order] for k, v in merged.items()}

    def _upcr(self, person: Array, t: FloatArray) -> FloatArray:
        p, rng = self.p, self.rng
        base, final = p.upcr_base[person], p.upcr_final[person]
        reached = np.clip(t / p.response_month[person], 0.0, 1.0)
        log_upcr = np.log(base) + reached * (np.log(final) - np.log(base))
        # A flare: proteinuria climbs back over about two months to at least 1 g/g (synthetic).
        flare_level = np.log(np.maximum(np.maximum(1.0, 2 * final), base * 0.7))
        into_flare = np.clip((t - p.flare_month[person]) / 2.0, 0.0, 1.0)
        log_upcr = log_upcr + into_flare * (flare_level - log_upcr)
        return np.asarray(np.clip(np.exp(log_upcr + rng.normal(0, 0.12, len(t))), 0.02, 25.0))

    def _creatinine(self, person: Array, t: FloatArray) -> FloatArray:
        p, rng = self.p, self.rng
        change = p.creatinine_change[person] * np.clip(t / 12.0, 0.0, 1.0)
        flare = 0.2 * np.clip((t - p.flare_month[person]) / 2.0, 0.0, 1.0)
        value = p.creatinine_base[person] * (1 + change + flare) * np.exp(rng.normal(0, 0.04, len(t)))
        return np.asarray(np.clip(value, 0.3, 15.0))

    # --- drugs ---

    def _drugs(self) -> pa.Table:
        rows = _DrugRows()
        treated = np.flatnonzero(self.p.regimen != NO_REGIMEN)
        self._glucocorticoids(rows, treated)
        self._induction(rows, treated)
        self._hcq(rows)
        self._adjuncts(rows)
        return self._drug_table(rows)

    def _glucocorticoids(self, rows: _DrugRows, who: Array) -> None:
        """Methylprednisolone 500 mg IV daily x3 (ACR 2024: 250-1000 mg/day for 1-3 days; guidelines.md
        3.1), then the KDIGO 2024 reduced-dose prednisone scheme (guidelines.md 3.3: 0.5 mg/kg, max 40 mg,
        weeks 0-2; 0.35 mg/kg weeks 3-4; then 15, 10, 7.5, 5 mg), 5 mg/day to month 12 (ACR 2024: <= 5 mg/day
        by 6 months) and 2.5 mg/day after (synthetic). Slow tapers stay at 10 mg/day to month 9."""
        p, rng, cfg = self.p, self.rng, self.cfg
        s, end, w = p.induction[who], p.obs_end[who], p.weight[who]
        rows.add(who, "methylprednisolone", s, s + 2, _full(who, 500.0), "mg", "daily", "iv")
        slow = rng.random(len(who)) < cfg.slow_taper_rate
        first = np.minimum(40.0, _round_to(0.5 * w, 2.5))
        second = np.minimum(first, np.maximum(15.0, _round_to(0.35 * w, 2.5)))
        steps = [
            (0, 14, first), (14, 28, second), (28, 42, _full(who, 15.0)), (42, 56, _full(who, 10.0)),
            (56, 70, np.where(slow, 10.0, 7.5)), (70, 274, np.where(slow, 10.0, 5.0)),
            (274, 365, _full(who, 5.0)),
        ]
        prednisolone = rng.random(len(who)) < cfg.prednisolone_rate
        for drug, sel in (("prednisone", ~prednisolone), ("prednisolone", prednisolone)):
            begin = s[sel] + 3  # after the pulses
            for lo, hi, dose in steps:
                rows.add(who[sel], drug, begin + lo, begin + hi - 1, dose[sel], "mg", "daily", "oral")
            rows.add(who[sel], drug, begin + 365, end[sel], _full(who[sel], 2.5), "mg", "daily", "oral")

    def _adjuncts(self, rows: _DrugRows) -> None:
        """RAAS blockade for proteinuric LN, not always (a gap the quality measures look for), and a
        synthetic share on an SGLT2 inhibitor from month 6."""
        p, rng = self.p, self.rng
        ln = np.flatnonzero(p.ln)
        raas = ln[rng.random(len(ln)) < self.cfg.raas_rate]
        pick = rng.choice(3, len(raas), p=[0.5, 0.2, 0.3])
        start = p.induction[raas] + rng.integers(0, 31, len(raas))
        for i, (drug, dose) in enumerate((("lisinopril", 10.0), ("ramipril", 5.0), ("losartan", 50.0))):
            sel = pick == i
            rows.add(raas[sel], drug, start[sel], p.obs_end[raas[sel]], _full(raas[sel], dose), "mg", "daily",
                     "oral")
        sglt2 = ln[rng.random(len(ln)) < 0.08]
        rows.add(sglt2, "dapagliflozin", p.induction[sglt2] + 180, p.obs_end[sglt2], _full(sglt2, 10.0), "mg",
                 "daily", "oral")

    def _induction(self, rows: _DrugRows, who: Array) -> None:
        p = self.p
        s, end, weight, reg = p.induction[who], p.obs_end[who], p.weight[who], p.regimen[who]

        def on(*names: str) -> Array:
            return np.isin(reg, [REGIMENS.index(name) for name in names])

        mmf = on("mmf", "mmf+belimumab", "voclosporin+mmf", "obinutuzumab+mmf")
        # MMF 1 g twice daily for induction (AURORA 1 background; KDIGO/EULAR 2-3 g/day), then 750 mg twice
        # daily from month 6 (synthetic maintenance step).
        m = who[mmf]
        rows.add(m, "mycophenolate mofetil", s[mmf], s[mmf] + 181, _full(m, 1000.0), "mg", "bid", "oral")
        rows.add(m, "mycophenolate mofetil", s[mmf] + 182, end[mmf], _full(m, 750.0), "mg", "bid", "oral")
        # Multitarget (Liu 2015): tacrolimus 4 mg/day + MMF 1.0 g/day.
        mt = on("tacrolimus-multitarget")
        rows.add(who[mt], "mycophenolate mofetil", s[mt], end[mt], _full(who[mt], 500.0), "mg", "bid", "oral")
        rows.add(who[mt], "tacrolimus", s[mt], end[mt], _full(who[mt], 2.0), "mg", "bid", "oral")
        # Euro-Lupus: cyclophosphamide 500 mg IV every 2 weeks x6 (KB trial euro-lupus), then azathioprine
        # 2 mg/kg/day rounded to 50 mg, at most 150 mg (synthetic rounding).
        cyc = on("euro-lupus-cyc")
        rows.add(who[cyc], "cyclophosphamide", s[cyc], s[cyc] + 70, _full(who[cyc], 500.0), "mg", "q2w", "iv",
                 doses=6)
        aza = np.minimum(150.0, _round_to(2.0 * weight[cyc], 50.0))
        rows.add(who[cyc], "azathioprine", s[cyc] + 84, end[cyc], aza, "mg", "daily", "oral")
        # Belimumab 10 mg/kg IV every 4 weeks (BLISS-LN; the loading doses at weeks 2 and 4 are left out).
        bel = on("mmf+belimumab")
        rows.add(who[bel], "belimumab", s[bel], end[bel], _full(who[bel], 10.0), "mg/kg", "q4w", "iv",
                 mg_per_dose=10.0 * weight[bel])
        # Voclosporin 23.7 mg twice daily for 52 weeks (AURORA 1; KB regimen vcs-aurora-1).
        voc = on("voclosporin+mmf")
        stop = np.minimum(s[voc] + 363, end[voc])
        rows.add(who[voc], "voclosporin", s[voc], stop, _full(who[voc], 23.7), "mg", "bid", "oral")
        # Obinutuzumab 1000 mg IV on day 1 and weeks 2, 24 and 26 (REGENCY, KB trial regency).
        obi = on("obinutuzumab+mmf")
        for day in (0, 14, 168, 182):
            given = s[obi] + day
            rows.add(who[obi], "obinutuzumab", given, given, _full(who[obi], 1000.0), "mg", "once", "iv")

    def _hcq(self, rows: _DrugRows) -> None:
        """Hydroxychloroquine in 90-day refills from the SLE diagnosis, <= 5 mg/kg/day of actual weight
        (AAO 2016, calculators.md section 9), with missed refills and people never started."""
        p, rng, cfg = self.p, self.rng, self.cfg
        n = len(p.person_id)
        takes = np.flatnonzero(rng.random(n) >= cfg.hcq_never_rate)
        w = p.weight[takes]
        dose = np.where(w >= 80, 200.0, np.where(w >= 60, 300.0, 200.0))
        frequency = np.where(w >= 80, "bid", "daily")
        # Enough 90-day fills to cover the longest observation from the SLE diagnosis.
        fills = math.ceil((730 + 21 + 31 * DAYS_PER_MONTH) / 90) + 1
        starts = p.sle[takes][:, None] + 90 * np.arange(fills)[None, :]
        keep = (starts <= p.obs_end[takes][:, None]) & (rng.random(starts.shape) >= cfg.hcq_gap_rate)
        idx = np.broadcast_to(np.arange(len(takes))[:, None], starts.shape)[keep]
        first = starts[keep]
        last = np.minimum(first + 89, p.obs_end[takes][idx])
        for freq in ("daily", "bid"):
            sel = frequency[idx] == freq
            rows.add(takes[idx[sel]], "hydroxychloroquine", first[sel], last[sel], dose[idx[sel]], "mg", freq,
                     "oral")

    def _drug_table(self, rows: _DrugRows) -> pa.Table:
        cols = self._mess(rows.columns(), shuffle=True)
        count = len(cols["person"])
        uniq, inverse = np.unique(cols["sig"], return_inverse=True)
        sig_strings = pa.array([rows.sig_text[int(code)] for code in uniq]).take(pa.array(inverse))
        drug = cols["drug"]
        names = np.array(rows.drug_names)
        days = (cols["end"] - cols["start"] + 1).astype(np.int32)
        table = pa.table({
            "drug_exposure_id": self._ids(count),
            "person_id": self.p.person_id[cols["person"]],
            "drug_concept_id": np.array([c.DRUGS[_DRUG_KEY[name]] for name in names], dtype=np.int32)[drug],
            "drug_exposure_start_date": _dates(cols["start"]),
            "drug_exposure_end_date": _dates(cols["end"]),
            "drug_type_concept_id": np.full(count, c.EHR_PRESCRIPTION.id, dtype=np.int32),
            "quantity": cols["quantity"],
            "days_supply": days,
            "sig": sig_strings,
            "route_concept_id": np.array([c.ROUTES[r].id for r in _ROUTES], dtype=np.int32)[cols["route"]],
            "drug_source_value": pa.array(names).take(pa.array(drug)),
            "route_source_value": pa.array(np.array(_ROUTES)).take(pa.array(cols["route"])),
            "dose_unit_source_value": pa.array(np.array(_DOSE_UNITS)).take(pa.array(cols["unit"])),
        })
        return omop.conform("drug_exposure", table)

    # --- shared ---

    def _mess(self, cols: dict[str, Array], *, shuffle: bool) -> dict[str, Array]:
        """Duplicate a share of rows (each copy right after its original) and shuffle a share of them."""
        rng, cfg = self.rng, self.cfg
        m = len(next(iter(cols.values())))
        repeat = np.where(rng.random(m) < cfg.duplicate_rate, 2, 1)
        cols = {k: np.repeat(v, repeat) for k, v in cols.items()}
        m = len(next(iter(cols.values())))
        order = np.arange(m)
        if shuffle:
            moved = np.flatnonzero(rng.random(m) < cfg.shuffle_rate)
            order[moved] = moved[rng.permutation(len(moved))]
        return {k: v[order] for k, v in cols.items()}

    def _ids(self, count: int) -> Array:
        start = self.id_base + 1
        self.id_base += count
        return np.arange(start, start + count, dtype=np.int64)


class _DrugRows:
    """Drug exposure rows gathered as codes; ``sig`` text is built once per distinct dose."""

    def __init__(self) -> None:
        self.rows = _Rows()
        self.drug_names: list[str] = []
        self.sig_text: list[str] = []
        self._sig_codes: dict[tuple[str, float, str, str, str], int] = {}

    def add(self, person: Array, drug: str, start: Array, end: Array, dose: FloatArray, unit: str,
            frequency: str, route: str, *, doses: int | None = None, mg_per_dose: FloatArray | None = None
            ) -> None:
        if len(person) == 0:
            return
        if drug not in self.drug_names:
            self.drug_names.append(drug)
        days = (end - start + 1).astype(np.float64)
        per_dose = dose if mg_per_dose is None else mg_per_dose
        if doses is None:
            doses_each = np.maximum(1.0, np.ceil(days * _PER_DAY[frequency]))
        else:
            doses_each = np.full(len(days), float(doses))
        dose_values = np.asarray(dose, dtype=np.float64)
        uniq, inverse = np.unique(dose_values, return_inverse=True)
        codes = np.empty(len(uniq), dtype=np.int64)
        for i, amount in enumerate(uniq):
            key = (drug, float(amount), unit, frequency, route)
            if key not in self._sig_codes:
                self._sig_codes[key] = len(self.sig_text)
                self.sig_text.append(f"{_amount(float(amount))} {unit} {frequency} {route}")
            codes[i] = self._sig_codes[key]
        self.rows.add(
            person=person, drug=np.int64(self.drug_names.index(drug)), start=start, end=end,
            quantity=np.round(per_dose * doses_each, 2), sig=codes[inverse],
            unit=np.int64(_DOSE_UNITS.index(unit)), route=np.int64(_ROUTES.index(route)),
        )

    def columns(self) -> dict[str, Array]:
        return self.rows.columns()


# Visits per person at most: LN follow-up is at most 30 months with visits at least 1.5 months apart.
_MAX_VISITS = 22
# Decimals a lab report would print, per (test, unit); two otherwise (synthetic).
_DECIMALS: dict[tuple[str, str], int] = {
    ("upcr", "mg/g"): 0, ("upcr", "mg/mmol"): 1, ("creatinine", "umol/L"): 0, ("albumin", "g/dL"): 1,
    ("albumin", "g/L"): 0, ("c3", "mg/dL"): 0, ("c4", "mg/dL"): 1, ("anti_dsdna", "[IU]/mL"): 0,
    ("weight", "kg"): 1, ("height", "cm"): 1,
}
_ROMAN_TO_INT = {roman: number for number, roman in c.ISN_RPS_CLASSES.items()}
_SOURCES = [
    "upcr", "creatinine", "egfr", "albumin", "c3", "c4", "anti_dsdna", "systolic_bp", "diastolic_bp",
    "weight", "height", "biopsy_class",
]
_SOURCE_INDEX = {name: i for i, name in enumerate(_SOURCES)}
_ROUTES = ["oral", "iv", "sc"]
_DOSE_UNITS = ["mg", "mg/kg"]
# Administrations per day by frequency (the record's vocabulary, model/vocabulary.py).
_PER_DAY = {"once": 0.0, "daily": 1.0, "bid": 2.0, "tid": 3.0, "weekly": 1 / 7, "q2w": 1 / 14, "q4w": 1 / 28}
# Record drug name -> key of concepts.DRUGS.
_DRUG_KEY = {
    "mycophenolate mofetil": "mycophenolate-mofetil", **{
        name: name for name in (
            "hydroxychloroquine", "prednisone", "prednisolone", "methylprednisolone", "azathioprine",
            "cyclophosphamide", "tacrolimus", "voclosporin", "belimumab", "obinutuzumab", "lisinopril",
            "ramipril", "losartan", "dapagliflozin",
        )
    },
}


def _full(like: Array, value: float) -> FloatArray:
    return np.full(len(like), value)


def _amount(value: float) -> str:
    return f"{value:g}"


def _round_to(values: FloatArray, step: float) -> FloatArray:
    return np.asarray(np.maximum(step, np.round(values / step) * step))


def _dates(days: Array) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32)).cast(pa.date32())
