"""SLEDAI-2K, the Systemic Lupus Erythematosus Disease Activity Index 2000.

Source: Gladman DD, Ibañez D, Urowitz MB. J Rheumatol 2002;29:288-91. Twenty-four weighted
descriptors, each scored when present and attributable to SLE; the score is their plain sum (0-105).
SLEDAI-2K differs from the 1992 SLEDAI by scoring *persistent* rash, alopecia, mucosal ulcers and
proteinuria, not only new or recurrent ones.

Checked: the weights and the "present at the time of the visit or in the preceding 10 days" rule
against the SLEDAI-2K form reproduced on medicalcriteria.com (reusledai) and the table in
shared/domain/calculators.md section 5 (marked verified there). The short definitions below are
paraphrased from that form. Touma et al. (Lupus 2010;19:49-51) validated the same index over a 30-day
window (SLEDAI-2K-30); this module implements the original 10-day window only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType

from lncare.errors import InputError, one_of


@dataclass(frozen=True)
class Descriptor:
    """One SLEDAI-2K descriptor: its id, the name on the form, its weight and a short definition."""

    name: str
    label: str
    weight: int
    definition: str


DESCRIPTORS: tuple[Descriptor, ...] = (
    Descriptor("seizure", "Seizure", 8, "recent onset; exclude metabolic, infectious or drug causes"),
    Descriptor("psychosis", "Psychosis", 8,
               "severe disturbance in the perception of reality impairing normal function; "
               "exclude uraemia and drugs"),
    Descriptor("organic_brain_syndrome", "Organic brain syndrome", 8,
               "acute, fluctuating impairment of orientation, memory or intellect with clouded "
               "consciousness plus at least two associated features; exclude metabolic, infectious, drug"),
    Descriptor("visual_disturbance", "Visual disturbance", 8,
               "retinal changes of SLE (cytoid bodies, retinal or choroidal haemorrhage or exudate, "
               "optic neuritis); exclude hypertension, infection, drugs"),
    Descriptor("cranial_nerve_disorder", "Cranial nerve disorder", 8,
               "new-onset sensory or motor neuropathy of cranial nerves"),
    Descriptor("lupus_headache", "Lupus headache", 8,
               "severe persistent headache, may be migrainous, not responsive to narcotic analgesia"),
    Descriptor("cva", "Cerebrovascular accident", 8, "new-onset stroke; exclude arteriosclerosis"),
    Descriptor("vasculitis", "Vasculitis", 8,
               "ulceration, gangrene, tender finger nodules, periungual infarction, splinter "
               "haemorrhages, or biopsy or angiogram proof"),
    # The SLEDAI-2K form says "more than 2 joints"; SELENA-SLEDAI and several calculators say ">= 2".
    # The clinician decides whether the descriptor is present; the form's wording is kept here.
    Descriptor("arthritis", "Arthritis", 4,
               "more than 2 joints with pain and signs of inflammation (tenderness, swelling, effusion)"),
    Descriptor("myositis", "Myositis", 4,
               "proximal muscle aching or weakness with raised CK/aldolase, EMG changes or biopsy"),
    Descriptor("urinary_casts", "Urinary casts", 4, "heme-granular or red blood cell casts"),
    Descriptor("hematuria", "Haematuria", 4, "> 5 red cells per high-power field; exclude stone, infection"),
    Descriptor("proteinuria", "Proteinuria", 4, "> 0.5 g/24 h (new, recurrent or persistent)"),
    Descriptor("pyuria", "Pyuria", 4, "> 5 white cells per high-power field; exclude infection"),
    Descriptor("rash", "Rash", 2, "inflammatory-type rash (new, recurrent or persistent)"),
    Descriptor("alopecia", "Alopecia", 2,
               "abnormal patchy or diffuse hair loss (new, recurrent or persistent)"),
    Descriptor("mucosal_ulcers", "Mucosal ulcers", 2, "oral or nasal ulcers (new, recurrent or persistent)"),
    Descriptor("pleurisy", "Pleurisy", 2, "pleuritic chest pain with rub, effusion or pleural thickening"),
    Descriptor("pericarditis", "Pericarditis", 2,
               "pericardial pain with rub, effusion, or ECG or echocardiographic confirmation"),
    Descriptor("low_complement", "Low complement", 2, "CH50, C3 or C4 below the laboratory's normal range"),
    Descriptor("increased_dna_binding", "Increased DNA binding", 2,
               "anti-dsDNA above the laboratory's normal range"),
    Descriptor("fever", "Fever", 1, "> 38 °C; exclude infection"),
    Descriptor("thrombocytopenia", "Thrombocytopenia", 1, "< 100 x 10^9/L; exclude drugs"),
    Descriptor("leukopenia", "Leukopenia", 1, "< 3 x 10^9/L; exclude drugs"),
)

WEIGHTS: MappingProxyType[str, int] = MappingProxyType({d.name: d.weight for d in DESCRIPTORS})
_BY_NAME: MappingProxyType[str, Descriptor] = MappingProxyType({d.name: d for d in DESCRIPTORS})

# "Present at the time of the visit or in the preceding 10 days" (Gladman 2002 form): the visit day
# itself and the ten calendar days before it, so a finding dated exactly 10 days earlier still counts.
WINDOW_DAYS = 10


def descriptor(name: str, field: str = "items") -> Descriptor:
    """The descriptor called ``name`` (case, spaces and hyphens ignored); unknown -> InputError."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(name, str) else None
    found = _BY_NAME.get(key) if key else None
    if found is None:
        raise InputError(field, name, f"is not a SLEDAI-2K descriptor (use {one_of(list(_BY_NAME))})")
    return found


def present_descriptors(items: Iterable[str], field: str = "items") -> tuple[Descriptor, ...]:
    """The distinct descriptors named in ``items``, in the order of the SLEDAI-2K form."""
    names = {descriptor(item, field).name for item in items}
    return tuple(d for d in DESCRIPTORS if d.name in names)


def sledai2k(items: Iterable[str], field: str = "items") -> int:
    """SLEDAI-2K score (0-105) of the descriptors present; a descriptor named twice counts once."""
    return sum(d.weight for d in present_descriptors(items, field))


def sledai2k_on(observations: Iterable[tuple[str, date]], assessed_on: date, field: str = "items") -> int:
    """SLEDAI-2K at ``assessed_on`` from dated findings ``(descriptor, date)``.

    A finding counts when dated from ``assessed_on - 10 days`` through ``assessed_on`` inclusive
    (see :data:`WINDOW_DAYS`). Findings dated after ``assessed_on`` did not exist at that visit and
    are left out. Every name is validated, including those outside the window.
    """
    start = assessed_on - timedelta(days=WINDOW_DAYS)
    dated = [(descriptor(name, field).name, _day(when, field)) for name, when in observations]
    return sledai2k(name for name, when in dated if start <= when <= assessed_on)


def _day(when: object, field: str) -> date:
    # A timestamp counts on its calendar day; the window is defined in days.
    if isinstance(when, datetime):
        return when.date()
    if isinstance(when, date):
        return when
    raise InputError(field, when, "is not a date (use a date such as 2026-11-27)")
