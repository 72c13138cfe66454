"""Figures are written as valid SVG and PNG files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from evidence_vectors import arms, binary_studies

from lncare.errors import InputError
from lncare.evidence import meta_analysis, netmeta
from lncare.evidence.plots import forest_plot, league_heatmap, network_graph

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _valid(path: Path) -> None:
    assert path.stat().st_size > 1000
    if path.suffix == ".svg":
        root = ET.parse(path).getroot()
        assert root.tag.endswith("svg")
    else:
        assert path.read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_forest_plot(tmp_path: Path, suffix: str) -> None:
    result = meta_analysis(binary_studies("bcg"), "RR", "REML")
    _valid(forest_plot(result, tmp_path / f"forest{suffix}"))


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_network_graph_and_league(tmp_path: Path, suffix: str) -> None:
    result = netmeta(arms("nma_stowe2010.csv"), "MD")
    _valid(network_graph(result, tmp_path / f"net{suffix}"))
    _valid(league_heatmap(result, tmp_path / f"league{suffix}", random=True))


def test_forest_for_mh_and_single_study(tmp_path: Path) -> None:
    _valid(forest_plot(meta_analysis(binary_studies("fleiss1993bin"), "OR", "MH"), tmp_path / "mh.svg"))
    _valid(forest_plot(meta_analysis(binary_studies("bcg")[:1], "OR", "DL"), tmp_path / "one.svg"))


def test_unknown_format_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.svg or \.png"):
        forest_plot(meta_analysis(binary_studies("clasp"), "OR", "DL"), tmp_path / "f.pdf")
