"""A plan date outside 1900-2199 is refused with a clear error, never a traceback (dated arithmetic would
overflow the calendar)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lncare.cli import main
from lncare.engine import recommend
from lncare.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "p01-class-iv-new.json"


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1899, 12, 31), date(2200, 1, 1), date(9999, 12, 31)])
def test_implausible_plan_dates_are_input_errors(day: date) -> None:
    with pytest.raises(InputError) as caught:
        recommend(EXAMPLE, day)
    assert caught.value.field == "as_of"


def test_cli_names_as_of_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["recommend", str(EXAMPLE), "--as-of", "0001-01-01"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "as_of" in err
