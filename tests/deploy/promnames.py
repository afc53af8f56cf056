"""OTLP → Prometheus naming as the collector's `prometheus` exporter applies it
(prometheus/otlptranslator, `UnderscoreEscapingWithSuffixes`, the default), and a
small PromQL reader that finds the metric and label names an expression uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# OTLP (UCUM) unit → Prometheus unit word; anything else is kept as written,
# and units in braces (annotations such as `{token}`) add nothing.
UNIT_WORDS = {
    "d": "days",
    "h": "hours",
    "min": "minutes",
    "s": "seconds",
    "ms": "milliseconds",
    "us": "microseconds",
    "ns": "nanoseconds",
    "By": "bytes",
    "KiBy": "kibibytes",
    "MiBy": "mebibytes",
    "GiBy": "gibibytes",
    "KBy": "kilobytes",
    "MBy": "megabytes",
    "GBy": "gigabytes",
    "1": "",
    "%": "percent",
}
PER_UNIT_WORDS = {
    "s": "second",
    "m": "minute",
    "h": "hour",
    "d": "day",
    "w": "week",
    "mo": "month",
    "y": "year",
}
_INVALID = re.compile(r"[^a-zA-Z0-9:]")


def _unit_tokens(unit: str) -> tuple[str, str]:
    main, _, per = unit.partition("/")
    main, per = main.strip(), per.strip()
    main_word = "" if not main or "{" in main or "}" in main else UNIT_WORDS.get(main, main)
    per_word = "" if not per or "{" in per or "}" in per else PER_UNIT_WORDS.get(per, per)
    main_word = _INVALID.sub("_", main_word).strip("_")
    return main_word, (f"per_{per_word}" if per_word else "")


def metric_name(name: str, unit: str, kind: str) -> str:
    """Prometheus name of an OTLP metric; kind is `counter`, `gauge` or `histogram`."""
    tokens = [t for t in _INVALID.split(name) if t]
    main_word, per_word = _unit_tokens(unit)
    for word in (main_word, per_word):
        if word and word not in tokens:
            tokens.append(word)
    if kind == "counter":
        tokens = [t for t in tokens if t != "total"] + ["total"]
    if kind == "gauge" and unit == "1":
        tokens = [t for t in tokens if t != "ratio"] + ["ratio"]
    joined = "_".join(tokens)
    return f"_{joined}" if joined[:1].isdigit() else joined


def series_names(name: str, unit: str, kind: str) -> set[str]:
    """The series names a metric appears under (a histogram has three)."""
    base = metric_name(name, unit, kind)
    if kind == "histogram":
        return {f"{base}_bucket", f"{base}_sum", f"{base}_count"}
    return {base}


def label_name(attribute: str) -> str:
    label = re.sub(r"[^a-zA-Z0-9_]", "_", attribute)
    return f"key_{label}" if label[:1].isdigit() else label


# --- PromQL -------------------------------------------------------------------

FUNCTIONS_AND_KEYWORDS = frozenset(
    {
        # aggregations and their modifiers
        "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
        "count_values", "group", "by", "without", "on", "ignoring", "group_left", "group_right",
        "bool", "and", "or", "unless", "offset", "atan2",
        # functions used in dashboards
        "rate", "irate", "increase", "delta", "idelta", "histogram_quantile", "histogram_avg",
        "histogram_count", "histogram_sum", "abs", "ceil", "floor", "round", "clamp_min", "clamp_max",
        "sort", "sort_desc", "vector", "scalar", "label_replace", "time", "absent",
        "sum_over_time", "avg_over_time", "max_over_time", "min_over_time", "last_over_time",
        "label_values", "inf", "nan",
    }
)  # fmt: skip

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{([^{}]*)\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
_IDENT = re.compile(r"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)")
_LABEL_IN_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")


@dataclass
class PromQLNames:
    metrics: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)


def promql_names(expr: str) -> PromQLNames:
    """Metric and label names used in a PromQL expression (or a Grafana `label_values(...)`)."""
    found = PromQLNames()
    label_values = re.fullmatch(r"\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*", expr)
    if label_values:
        found.labels.add(label_values.group(2))
        expr = label_values.group(1)
    for matchers in _MATCHERS.findall(expr.replace("$__tags", "")):
        found.labels.update(_LABEL_IN_MATCHER.findall(_STRING.sub('""', matchers)))
    text = _MATCHERS.sub(" ", _STRING.sub('""', expr))
    text = _RANGE.sub(" ", text)
    for grouping in _GROUPING.findall(text):
        found.labels.update(label.strip() for label in grouping.split(",") if label.strip())
    text = _GROUPING.sub(" ", text)
    for name in _IDENT.findall(text):
        if name.lower() not in FUNCTIONS_AND_KEYWORDS and not name.startswith("__"):
            found.metrics.add(name)
    return found
