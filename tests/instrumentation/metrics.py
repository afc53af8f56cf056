"""Metrics read back from an `InMemoryMetricReader`, typed for the tests.

The SDK types a metric's points as the union of every kind, with Optional attributes. A test
reads one kind: `points` checks that kind at run time, and gives the points back typed with
the mapping of attributes every collected point has (type checking only, like `spans`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader, Metric, NumberDataPoint

if TYPE_CHECKING:

    class HistogramPoint(HistogramDataPoint):
        attributes: Mapping[str, Any]

    class NumberPoint(NumberDataPoint):
        attributes: Mapping[str, Any]

else:
    HistogramPoint = HistogramDataPoint
    NumberPoint = NumberDataPoint

P = TypeVar("P", HistogramPoint, NumberPoint)


def metrics_of(reader: InMemoryMetricReader) -> dict[str, Metric]:
    """Every metric collected so far, by name."""
    data = reader.get_metrics_data()
    assert data is not None, "no metrics collected"
    return {m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}


def points(metric: Metric, kind: type[P]) -> list[P]:
    """The metric's points, each checked to be of `kind` (histogram or number points)."""
    found = list(metric.data.data_points)
    assert all(isinstance(point, kind) for point in found), f"{metric.name}: not {kind.__name__}"
    return cast("list[P]", found)
