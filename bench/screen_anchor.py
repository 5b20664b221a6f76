"""The anchor of the screening benchmarks: nomenklatura's ``logic-v2`` matcher.

Profiles are turned into followthemoney ``Person`` entities the way OpenSanctions publishes
sanctions lists: the names as ``name``, good aliases as ``alias``, low-quality aliases as
``weakAlias``, birth dates as ``birthDate`` (a range as every year in it), nationalities as
lower-case ISO codes and gender. logic-v2 then scores a query entity against each record, as
yente does after its search index has proposed candidates; here every record is scored, so the
anchor is never limited by a retrieval step.

nomenklatura is a benchmark-only dependency (``pip install nomenklatura``), never a dependency
of the package. :func:`available` says why it cannot be used when it cannot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import count
from typing import Any

from backchannel.resolve.profile import PersonProfile

THRESHOLD = 0.7  # logic-v2's match threshold, as yente uses it
_MAX_RANGE_YEARS = 25
# logic-v2 memoises the names of an entity by its id (``lru_cache`` on ``Entity.__hash__``),
# so every query and every modified record must have an id of its own.
_SERIAL = count(1)


def available() -> str | None:
    """``None`` if logic-v2 can be run here, else the reason it cannot."""
    try:
        from followthemoney import model  # noqa: F401
        from nomenklatura.matching import LogicV2  # noqa: F401
    except Exception as exc:  # any import failure means: no anchor, say why
        return f"nomenklatura logic-v2 cannot be imported: {type(exc).__name__}: {exc}"
    return None


def version() -> str:
    from importlib.metadata import version as dist_version

    return (
        f"nomenklatura {dist_version('nomenklatura')}, "
        f"followthemoney {dist_version('followthemoney')}, rigour {dist_version('rigour')}"
    )


class LogicV2:
    """logic-v2 with its default configuration."""

    def __init__(self) -> None:
        from nomenklatura.matching import LogicV2 as Algorithm

        self._algorithm = Algorithm
        self._config = Algorithm.default_config()

    def score(self, query: Any, record: Any) -> float:
        return float(self._algorithm.compare(query, record, self._config).score)

    def explain(self, query: Any, record: Any) -> str:
        result = self._algorithm.compare(query, record, self._config)
        parts = [
            f"{name} {r.score:.2f}" + (f" ({r.detail})" if r.detail else "")
            for name, r in result.explanations.items()
            if r.score
        ]
        return "; ".join(parts)


def _years(text: str) -> list[str]:
    if "/" not in text:
        return [text]
    first, _, last = text.partition("/")
    lo, hi = int(first[:4]), int(last[:4])
    if hi - lo > _MAX_RANGE_YEARS:
        return [first[:4], last[:4]]
    return [str(y) for y in range(lo, hi + 1)]


def entity_of(profile: PersonProfile, *, modified: bool = False) -> Any:
    """A followthemoney Person with the profile's names and facts (see the module docstring).

    ``modified``: the profile differs from one already converted under the same entity id.
    """
    from followthemoney import model

    e = model.make_entity("Person")
    e.id = profile.entity_id.replace("identity--", "p-")
    if modified:
        e.id += f"-v{next(_SERIAL)}"
    for n in profile.names:
        prop = "name" if n.kind == "name" else ("weakAlias" if n.weak else "alias")
        e.add(prop, n.text)
    for d in profile.birth_dates:
        e.add("birthDate", _years(d.text))
    e.add("nationality", [c.lower() for c in sorted(profile.nationalities)])
    e.add("gender", sorted(profile.genders))
    return e


def query_entity(
    name: str,
    *,
    birth_date: str | None = None,
    nationality: str | None = None,
    gender: str | None = None,
    schema: str = "Person",
) -> Any:
    """A screening query as an entity (the fields yente's /match takes)."""
    from followthemoney import model

    e = model.make_entity(schema)
    e.id = f"query-{next(_SERIAL)}"
    e.add("name", name)
    if birth_date:
        e.add("birthDate", _years(birth_date))
    if nationality:
        e.add("nationality", nationality.lower())
    if gender:
        e.add("gender", gender)
    return e


def rank_of(target: str, scores: Sequence[tuple[str, float]]) -> int:
    """1-based rank of ``target`` among ``(id, score)``, ties broken by id as ours breaks them."""
    own = dict(scores)[target]
    return 1 + sum(1 for i, s in scores if s > own or (s == own and i < target))


def best_other(target: str, scores: Iterable[tuple[str, float]]) -> tuple[str, float]:
    """The best-scoring record that is not ``target`` (ties broken by id)."""
    return min(((i, s) for i, s in scores if i != target), key=lambda t: (-t[1], t[0]))
