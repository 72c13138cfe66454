"""Plan links: kept for their time to live, bounded in number, unguessable."""

from __future__ import annotations

from lncare.service.plan_links import PlanLinks


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_link_lives_for_its_ttl_and_then_is_gone() -> None:
    clock = Clock()
    links = PlanLinks[dict[str, int]](ttl_s=900, clock=clock)
    token = links.put({"plan": 1})
    clock.now += 899
    assert links.get(token) == {"plan": 1}
    clock.now += 2
    assert links.get(token) is None


def test_the_oldest_link_goes_first_when_capacity_is_reached() -> None:
    links = PlanLinks[dict[str, int]](capacity=2, clock=Clock())
    first, second, third = (links.put({"n": n}) for n in range(3))
    assert links.get(first) is None
    assert links.get(second) == {"n": 1} and links.get(third) == {"n": 2}


def test_tokens_are_distinct_and_long() -> None:
    links = PlanLinks[dict[str, int]]()
    tokens = {links.put({}) for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(token) >= 43 for token in tokens)  # 32 random bytes, URL-safe base64
