"""Breastfeeding and conception facts checked against the ACR 2020 reproductive-health guideline.

Expected values are typed here from the guideline itself (Sammaritano et al., Arthritis Rheumatol
2020;72:529-556): Table 4 "Breastfeeding" rows, Table 3 (pre-conception column) and Table 2 (men).
Each fact must carry certainty V and cite guideline:acr2020, so the engine may act on it.
"""

from __future__ import annotations

import pytest

from lncare import knowledge
from lncare.knowledge.schema.therapy import Therapy

# Table 4, breastfeeding: "compatible" rows (strong: HCQ, rituximab; conditional: AZA, cyclosporine,
# tacrolimus, belimumab; prednisone < 20 mg/day strong) and "do not treat" rows (strong: leflunomide,
# MMF, CYC). The guideline's MMF entry covers mycophenolic acid (Table 4 footnote).
BREASTFEEDING = {
    "hydroxychloroquine": "compatible",
    "rituximab": "compatible",
    "azathioprine": "compatible",
    "cyclosporine": "compatible",
    "tacrolimus": "compatible",
    "belimumab": "compatible",
    "prednisone": "compatible",
    "prednisolone": "compatible",
    "leflunomide": "avoid",
    "mycophenolate-mofetil": "avoid",
    "mycophenolic-acid": "avoid",
    "cyclophosphamide": "avoid",
}

# Table 3 pre-conception column: MMF/MPA stop > 6 weeks before, CYC 3 months (12 weeks) before;
# Table 4: leflunomide 24 months before (104 weeks) unless a cholestyramine washout is given.
WASHOUT_WEEKS = {
    "mycophenolate-mofetil": 6,
    "mycophenolic-acid": 6,
    "cyclophosphamide": 12,
    "leflunomide": 104,
}

# Table 2: men stop CYC 12 weeks before attempted conception; MMF may be continued (conditional).
PATERNAL_WASHOUT_WEEKS = {"cyclophosphamide": 12, "mycophenolate-mofetil": 0}


def _therapy(therapy_id: str) -> Therapy:
    item = knowledge.get(therapy_id)
    assert isinstance(item, Therapy)
    return item


@pytest.mark.parametrize(("therapy_id", "status"), sorted(BREASTFEEDING.items()))
def test_breastfeeding_status_matches_acr2020_table4(therapy_id: str, status: str) -> None:
    lactation = _therapy(therapy_id).lactation
    assert lactation is not None, f"{therapy_id} has no lactation fact"
    assert lactation.status == status
    assert lactation.certainty == "V"
    assert "guideline:acr2020" in lactation.sources


@pytest.mark.parametrize(("therapy_id", "weeks"), sorted(WASHOUT_WEEKS.items()))
def test_maternal_washout_matches_acr2020(therapy_id: str, weeks: float) -> None:
    pregnancy = _therapy(therapy_id).pregnancy
    assert pregnancy is not None
    assert pregnancy.washout_weeks == weeks
    assert pregnancy.certainty == "V"
    assert "guideline:acr2020" in pregnancy.sources


@pytest.mark.parametrize(("therapy_id", "weeks"), sorted(PATERNAL_WASHOUT_WEEKS.items()))
def test_paternal_washout_matches_acr2020_table2(therapy_id: str, weeks: float) -> None:
    pregnancy = _therapy(therapy_id).pregnancy
    assert pregnancy is not None
    assert pregnancy.paternal_washout_weeks == weeks


def test_high_dose_prednisone_breastfeeding_note_keeps_the_4_hour_rule() -> None:
    # Table 4: at >= 20 mg/day, discard milk expressed within 4 hours of the dose.
    lactation = _therapy("prednisone").lactation
    assert lactation is not None and lactation.note is not None
    assert "20 mg/day" in lactation.note and "4 hours" in lactation.note
