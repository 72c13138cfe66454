"""Questions asked of the knowledge base: filtered lists, one item by id, a therapy by any of its names.

Filters take the words a clinician would type and compare them without regard to case. A value that
matches nothing the knowledge base knows is an :class:`~lncare.errors.InputError` naming the filter
and suggesting the closest known values, never an empty answer that looks like "no such trials".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from pydantic import BaseModel

from lncare.errors import InputError, one_of
from lncare.knowledge.load import KINDS, KnowledgeBase, load, name_key
from lncare.knowledge.schema.common import Reference
from lncare.knowledge.schema.definition import Definition
from lncare.knowledge.schema.statement import Statement
from lncare.knowledge.schema.therapy import Therapy
from lncare.knowledge.schema.trial import Trial

Item = Therapy | Trial | Statement | Definition | Reference

THERAPY_STATUSES = ("approved", "marketed", "investigational")
TRIAL_PHASES = ("1", "2", "3", "4")


def therapies(
    target: str | None = None,
    drug_class: str | None = None,
    status: str | None = None,
    kb: KnowledgeBase | None = None,
) -> list[Therapy]:
    """Therapies by molecular target, drug class and status, sorted by id.

    ``status``: 'approved' (approved for lupus nephritis by FDA, EMA or NMPA), 'marketed' or
    'investigational' (the therapy's availability).
    """
    kb = kb or load()
    every = sorted(kb.therapies.values(), key=lambda t: t.id)
    found = every
    if target is not None:
        # "BAFF" finds the target written "BAFF (BLyS)": the first word names the molecule.
        targets = [t.target for t in every if t.target]
        wanted = _known("target", target, targets + [_first_word(t) for t in targets])
        found = [t for t in found if t.target and wanted in (t.target.lower(), _first_word(t.target))]
    if drug_class is not None:
        wanted = _known("class", drug_class, [t.drug_class for t in every])
        found = [t for t in found if t.drug_class.lower() == wanted]
    if status is not None:
        wanted = _known("status", status, THERAPY_STATUSES)
        found = [t for t in found if _has_status(t, wanted)]
    return found


def trials(
    drug: str | None = None,
    phase: str | None = None,
    verified: str | None = None,
    kb: KnowledgeBase | None = None,
) -> list[Trial]:
    """Trials by a drug given in an arm (id or any name), phase and verification status, sorted by id.

    ``phase`` '3' also finds phase 2/3 trials, '2' finds 2b and 1/2.
    """
    kb = kb or load()
    found = sorted(kb.trials.values(), key=lambda t: t.id)
    if drug is not None:
        therapy_id = therapy_by_name(drug, kb=kb, field="drug").id
        found = [t for t in found if therapy_id in t.therapies()]
    if phase is not None:
        wanted = _known("phase", phase, TRIAL_PHASES)
        found = [t for t in found if t.phase is not None and wanted in _phase_parts(t.phase)]
    if verified is not None:
        wanted = _known("verified", verified, ("yes", "partial", "no"))
        found = [t for t in found if t.verified == wanted]
    return found


def statements(
    guideline: str | None = None,
    topic: str | None = None,
    kb: KnowledgeBase | None = None,
) -> list[Statement]:
    """Guideline statements by document (e.g. 'kdigo2024') and topic, sorted by id."""
    kb = kb or load()
    every = sorted(kb.statements.values(), key=lambda s: s.id)
    found = every
    if guideline is not None:
        wanted = _known("guideline", guideline, [s.document for s in every])
        found = [s for s in found if s.document == wanted]
    if topic is not None:
        wanted = _known("topic", topic, [s.topic for s in every])
        found = [s for s in found if s.topic == wanted]
    return found


def definitions(
    guideline: str | None = None,
    concept: str | None = None,
    kb: KnowledgeBase | None = None,
) -> list[Definition]:
    """Guideline definitions by document and concept (e.g. 'renal_response'), sorted by id."""
    kb = kb or load()
    every = sorted(kb.definitions.values(), key=lambda d: d.id)
    found = every
    if guideline is not None:
        wanted = _known("guideline", guideline, [d.document for d in every])
        found = [d for d in found if d.document == wanted]
    if concept is not None:
        wanted = _known("concept", concept, [d.concept for d in every])
        found = [d for d in found if d.concept == wanted]
    return found


def get(item_id: str, kb: KnowledgeBase | None = None) -> Item:
    """The item with this id, of any kind; 'trial:ID' picks the kind when two kinds share an id."""
    kb = kb or load()
    kind, _, rest = item_id.partition(":")
    if kind in KINDS and rest:
        table = kb.table(kind)
        if rest in table:
            return _item(table[rest])
        raise InputError("id", item_id, f"is not a known {kind}{_suggest(rest, table)}")
    matches = [(kind, table[item_id]) for kind in KINDS if item_id in (table := kb.table(kind))]
    if len(matches) == 1:
        return _item(matches[0][1])
    if matches:
        choices = one_of([f"{kind}:{item_id}" for kind, _ in matches])
        raise InputError("id", item_id, f"names several items; use {choices}")
    every = [i for kind in KINDS for i in kb.table(kind)]
    raise InputError("id", item_id, f"is not a therapy, trial, statement, definition or reference id"
                     f"{_suggest(item_id, every)}")


def therapy_by_name(name: str, kb: KnowledgeBase | None = None, field: str = "name") -> Therapy:
    """The therapy an INN, id, brand, abbreviation or other synonym names ('MMF', 'Benlysta', ...)."""
    names = (kb or load()).therapy_names
    key = name_key(name)
    if key in names:
        return names[key]
    raise InputError(field, name, f"is not a known therapy name{_suggest(key, names)}")


def _known(field: str, value: str, allowed: Iterable[str]) -> str:
    """``value`` as the lowercase known value it names, or an InputError suggesting close ones."""
    known = sorted({a.lower() for a in allowed})
    wanted = value.strip().lower()
    if wanted in known:
        return wanted
    raise InputError(field, value, f"is not a known {field}{_suggest(wanted, known)}")


def _suggest(value: str, known: Iterable[str]) -> str:
    candidates = list(known)
    close = difflib.get_close_matches(value.lower(), candidates, n=3, cutoff=0.6)
    if close:
        return f" (did you mean {one_of(close)}?)"
    if len(candidates) <= 12:
        return f" (use {one_of(sorted(candidates))})"
    return ""


def _has_status(therapy: Therapy, status: str) -> bool:
    if status == "approved":
        return any(a.indication == "ln" and a.status == "approved" for a in therapy.approvals)
    return therapy.availability == status


def _first_word(text: str) -> str:
    return text.split()[0].lower()


def _phase_parts(phase: str) -> set[str]:
    # "2/3" is both phase 2 and phase 3; "2b" is a phase 2 trial.
    return {part.rstrip("ab") for part in phase.split("/")}


def _item(model: BaseModel) -> Item:
    if isinstance(model, Therapy | Trial | Statement | Definition | Reference):
        return model
    raise TypeError(f"unexpected knowledge item {type(model).__name__}")
