"""The exporters `setup()` builds for each destination, imported only when used.

The OTLP exporters are an optional extra (`ag2-otel[otlp]`); a missing one is reported with the
install line instead of an import traceback.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from ag2_otel.start.probe import SERVICE_NAME

ENDPOINT_ENVS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_INSTALL_HINT = "pip install 'ag2-otel[otlp]'"


def env_endpoint() -> str | None:
    """The OTLP endpoint the standard variables name, if any."""
    for name in ENDPOINT_ENVS:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def uses_grpc(signal: str = "TRACES") -> bool:
    protocol = os.environ.get(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL") or os.environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    return protocol.strip().lower() == "grpc"


def otlp_exporter(signal: str, endpoint: str | None, *, grpc: bool | None = None) -> Any:
    """The OTLP exporter for `signal` ('trace', 'metric', '_log'); `endpoint` None = read the env.

    An explicit `endpoint` is a base URL (like `OTEL_EXPORTER_OTLP_ENDPOINT`): OTLP/HTTP appends
    `/v1/traces`, `/v1/metrics`, `/v1/logs`; gRPC uses it as is. `grpc` None = as the env says.
    """
    if grpc is None:
        grpc = uses_grpc({"trace": "TRACES", "metric": "METRICS", "_log": "LOGS"}[signal])
    transport = "grpc" if grpc else "http"
    kind = {"trace": "Span", "metric": "Metric", "_log": "Log"}[signal]
    module_name = f"opentelemetry.exporter.otlp.proto.{transport}.{signal}_exporter"
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(f"exporting OTLP needs {module_name} ({exc}): {_INSTALL_HINT}") from None
    exporter_class = getattr(module, f"OTLP{kind}Exporter")
    if endpoint is None:
        return exporter_class()
    if grpc:
        return exporter_class(endpoint=endpoint)
    path = {"trace": "traces", "metric": "metrics", "_log": "logs"}[signal]
    return exporter_class(endpoint=f"{endpoint.rstrip('/')}/v1/{path}")


def describe_backend(endpoint: str, is_ours: bool) -> str:
    return f"{SERVICE_NAME} serve at {endpoint}" if is_ours else f"OTLP at {endpoint}"
