"""Short-lived links from a CDS Hooks status card to the full plan on lncare's web page.

A card can only carry a URL, and the web page cannot read the EHR's record by itself (that would take
a SMART launch). So the patient-view service keeps what it computed, the record it read and the plan,
under an unguessable token for a few minutes, and the card links to ``/?plan=TOKEN``. The token is the
only key (a capability URL): 32 random bytes (``secrets``), never logged (the access log writes the
path only, and this path is answered with ``Cache-Control: no-store``), held in this process's memory
only, and forgotten after ``ttl_s`` or when more than ``capacity`` links are held (oldest first).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from lncare.model.patient import Patient
from lncare.model.plan import Plan

T = TypeVar("T")

# Long enough to click a card while the chart is open; short enough that a copied link soon dies.
PLAN_LINK_TTL_S = 15 * 60
# Bounds memory: at ~30 KB a plan, 2,000 links are about 60 MB.
PLAN_LINK_CAPACITY = 2000
TOKEN_BYTES = 32


@dataclass(frozen=True)
class SharedPlan:
    """What a link opens: the record the service read and the plan it made, as JSON bytes (pydantic
    writes them in tens of microseconds, and bytes cost the garbage collector nothing to hold, unlike
    thousands of kept model objects)."""

    json: bytes

    @classmethod
    def of(cls, patient: Patient, plan: Plan) -> SharedPlan:
        return cls(b'{"patient":' + patient.model_dump_json(exclude_none=True).encode()
                   + b',"plan":' + plan.model_dump_json().encode() + b"}")


class PlanLinks(Generic[T]):
    """Token -> payload, each kept for ``ttl_s`` seconds; thread-safe."""

    def __init__(
        self,
        ttl_s: float = PLAN_LINK_TTL_S,
        capacity: int = PLAN_LINK_CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s, self._capacity, self._clock = ttl_s, capacity, clock
        self._items: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, payload: T) -> str:
        """Keep ``payload``; the new token."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            self._items[token] = (now + self._ttl_s, payload)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return token

    def get(self, token: str) -> T | None:
        """The payload kept under ``token``, or None when unknown or expired."""
        with self._lock:
            self._forget_expired(self._clock())
            found = self._items.get(token)
        return found[1] if found is not None else None

    def _forget_expired(self, now: float) -> None:
        # Insertion order is expiry order (one ttl for all), so expired items are at the front.
        while self._items:
            token, (expires, _) = next(iter(self._items.items()))
            if expires > now:
                return
            del self._items[token]
