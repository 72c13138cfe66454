"""The locale catalogs: the same keys in every locale, no empty text, the same placeholders, and Chinese
drug names that the founding review uses (shared/domain/seed-review-zh.txt)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

LOCALES = Path(__file__).resolve().parents[2] / "src" / "lncare" / "service" / "web" / "static" / "locales"
REVIEW = Path("/work/shared/domain/seed-review-zh.txt")


def _catalog(name: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((LOCALES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def test_every_locale_has_the_same_keys_and_no_empty_text() -> None:
    english, chinese = _catalog("en"), _catalog("zh-CN")
    assert sorted(english) == sorted(chinese)
    assert all(text.strip() for text in [*english.values(), *chinese.values()])


def test_placeholders_are_the_same_in_every_locale() -> None:
    english, chinese = _catalog("en"), _catalog("zh-CN")
    for key, text in english.items():
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", chinese[key])), key


@pytest.mark.parametrize(
    ("inn", "chinese"),
    [("hydroxychloroquine", "羟氯喹"), ("mycophenolate mofetil", "吗替麦考酚酯"),
     ("cyclophosphamide", "环磷酰胺"), ("tacrolimus", "他克莫司"), ("voclosporin", "伏环孢素"),
     ("belimumab", "贝利尤单抗"),
     ("obinutuzumab", "奥妥珠单抗"), ("rituximab", "利妥昔单抗")],
)
def test_drug_names_are_the_founding_reviews(inn: str, chinese: str) -> None:
    assert _catalog("zh-CN")[f"drug.{inn}"] == chinese
    if REVIEW.is_file():  # the review lives beside the repository in the project's shared folder
        assert chinese in REVIEW.read_text(encoding="utf-8")


def test_every_chinese_drug_name_is_listed_with_its_source() -> None:
    sources = (LOCALES / "SOURCES.md").read_text(encoding="utf-8")
    for key, name in _catalog("zh-CN").items():
        if key.startswith("drug."):
            assert f"| {key[5:]} | {name} |" in sources, key
