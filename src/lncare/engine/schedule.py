"""Dates of a dosing schedule: when each step of a regimen starts and ends, from a start date.

Pure date arithmetic for :mod:`lncare.engine.dosing` and :mod:`lncare.engine.taper`; the amounts come
from the knowledge base. A month is a calendar month (the day of month is kept, or the month's last day).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

# Days between administrations for the record's frequency words (DESIGN.md contract 1).
INTERVAL_DAYS: dict[str, int] = {
    "once": 0, "daily": 1, "bid": 1, "tid": 1, "weekly": 7, "q2w": 14, "q4w": 28,
}
MONTHS: dict[str, int] = {"monthly": 1, "q6months": 6}


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def after(day: date, frequency: str, times: int) -> date:
    """The date ``times`` intervals of ``frequency`` after ``day``."""
    if frequency in MONTHS:
        return add_months(day, MONTHS[frequency] * times)
    return day + timedelta(days=INTERVAL_DAYS[frequency] * times)


def week_start(start: date, week: float) -> date:
    """The first day of a table row "weeks a-b" (row "weeks 0-2" and row "weeks 3-4" follow each other)."""
    return start + timedelta(days=round(max(week - 1, 0) * 7))


def week_end(start: date, week: float) -> date:
    """The last day of a table row ending at ``week``."""
    return start + timedelta(days=round(week * 7) - 1)
