"""The anchor: Splink with its DuckDB backend, trained and run on the same records.

Each model is a standard Splink set-up (the shape of Splink's own FEBRL tutorial): Jaro-Winkler
levels on names, date-of-birth levels, exact matches elsewhere; blocking rules on names and
date of birth; ``estimate_probability_two_random_records_match`` from deterministic rules,
``estimate_u_using_random_sampling`` and EM; then ``predict`` and connected-component
clustering at a match probability of :data:`THRESHOLD`. Nothing is tuned on ground truth.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

THRESHOLD = 0.9  # match probability at or above which Splink's pairs are clustered
U_MAX_PAIRS = 1e7
SEED = 1


@dataclass(slots=True)
class SplinkRun:
    model: str
    clusters: dict[str, str]
    seconds: dict[str, float] = field(default_factory=dict)
    predicted_pairs: int = 0  # pairs at or above THRESHOLD
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    columns: tuple[str, ...]
    settings: Callable[[], Any]
    deterministic: Callable[[], list[Any]]
    recall: float
    em_blocks: Callable[[], list[Any]]


def _dob_levels() -> Any:
    """Birth dates at the precision the records give them: day, month, year, within 2 years."""
    import splink.comparison_library as cl

    def level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
        return {"sql_condition": sql, "label_for_charts": label, **extra}

    return cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            level('"dob_year_l" IS NULL OR "dob_year_r" IS NULL', "null", is_null_level=True),
            level('"dob_l" = "dob_r"', "same day"),
            level('"dob_month_l" = "dob_month_r"', "same month"),
            level('"dob_year_l" = "dob_year_r"', "same year"),
            level(
                'abs(CAST("dob_year_l" AS INTEGER) - CAST("dob_year_r" AS INTEGER)) <= 2',
                "within 2 years",
            ),
            level("ELSE", "else"),
        ],
    )


def _synthetic_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.ArrayIntersectAtSizes("name_tokens", [3, 2, 1]),
            _dob_levels(),
            cl.ExactMatch("nationality"),
            cl.ExactMatch("gender"),
            cl.ExactMatch("birthplace"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob_year"),
            block_on("first_name", "dob_month"),
            block_on("dob"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _febrl_settings(*, full: bool) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
    ]
    blocking = [block_on("given_name"), block_on("surname"), block_on("date_of_birth")]
    if full:
        comparisons += [
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
        blocking += [block_on("soc_sec_id"), block_on("postcode")]
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )


def _rules(*rules: tuple[str, ...]) -> Callable[[], list[Any]]:
    def make() -> list[Any]:
        from splink import block_on

        return [block_on(*r) for r in rules]

    return make


SYNTHETIC = Model(
    name="Splink: same fields as ours (names, birth date, nationality, gender, birthplace)",
    columns=(),
    settings=_synthetic_settings,
    deterministic=_rules(("first_name", "surname", "dob_year")),
    recall=0.7,
    em_blocks=_rules(("first_name", "surname"), ("dob",)),
)
FEBRL_SAME_FIELDS = Model(
    name="Splink: same fields as ours (given name, surname, date of birth)",
    columns=("given_name", "surname", "date_of_birth"),
    settings=lambda: _febrl_settings(full=False),
    deterministic=_rules(("given_name", "surname", "date_of_birth")),
    recall=0.7,
    em_blocks=_rules(("given_name", "surname"), ("date_of_birth",)),
)
FEBRL_ALL_FIELDS = Model(
    name="Splink: all fields (+ soc_sec_id, street number, postcode)",
    columns=(
        "given_name",
        "surname",
        "date_of_birth",
        "soc_sec_id",
        "street_number",
        "postcode",
    ),
    settings=lambda: _febrl_settings(full=True),
    deterministic=_rules(("soc_sec_id",), ("given_name", "surname", "date_of_birth")),
    recall=0.8,
    em_blocks=_rules(("given_name", "surname"), ("date_of_birth",), ("soc_sec_id",)),
)


def true_lambda(truth: dict[str, str]) -> float:
    """The share of all record pairs that are true matches (Splink's prior, known here)."""
    sizes: dict[str, int] = {}
    for entity in truth.values():
        sizes[entity] = sizes.get(entity, 0) + 1
    n = len(truth)
    return sum(k * (k - 1) // 2 for k in sizes.values()) / (n * (n - 1) / 2)


def run(
    model: Model,
    table: pd.DataFrame,
    *,
    log: Callable[[str], None],
    oracle_lambda: float | None = None,
) -> list[SplinkRun]:
    """Train ``model`` on ``table`` (with ``unique_id``), predict, cluster; timed by phase.

    With ``oracle_lambda``, also predict and cluster again with the prior set to it (the true
    share of matching pairs, which no real user knows): a ceiling on what the estimate of the
    prior costs, labelled as such.
    """
    from splink import DuckDBAPI, Linker

    for name in ("splink", "duckdb"):
        logging.getLogger(name).setLevel(logging.ERROR)
    frame = table if not model.columns else table[["unique_id", *model.columns]]
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    db = DuckDBAPI()
    linker = Linker(db.register(frame), model.settings(), log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        model.deterministic(), recall=model.recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for rule in model.em_blocks():
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    seconds["train"] = time.perf_counter() - t
    estimated = float(linker._settings_obj._probability_two_random_records_match)
    runs = [_predict(linker, db, model.name, seconds, log=log)]
    runs[0].info["lambda"] = estimated
    if oracle_lambda is not None:
        linker._settings_obj._probability_two_random_records_match = oracle_lambda
        oracle = _predict(linker, db, f"{model.name}, true λ (oracle)", {}, log=log)
        oracle.info["lambda"] = oracle_lambda
        runs.append(oracle)
    return runs


def _predict(
    linker: Any, db: Any, name: str, seconds: dict[str, float], *, log: Callable[[str], None]
) -> SplinkRun:
    t = time.perf_counter()
    predicted = linker.inference.predict(threshold_match_probability=THRESHOLD)
    seconds["predict"] = time.perf_counter() - t
    t = time.perf_counter()
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predicted, threshold_match_probability=THRESHOLD
    )
    frame_out = clustered.as_pandas_dataframe()
    seconds["cluster"] = time.perf_counter() - t
    sql = f"SELECT count(*) FROM {predicted.physical_name}"
    pairs = int(db.duckdb_con.execute(sql).fetchone()[0])
    clusters = dict(
        zip(frame_out["unique_id"].astype(str), frame_out["cluster_id"].astype(str), strict=True)
    )
    log(
        f"  {name}: {pairs:,} pairs ≥ {THRESHOLD}, "
        + ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items())
    )
    return SplinkRun(name, clusters, seconds, pairs)
