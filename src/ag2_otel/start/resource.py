"""The service name a one-line setup reports under: explicit, else the environment, else the program."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from opentelemetry.sdk.resources import SERVICE_NAME, Resource

_KERNEL_LAUNCHERS = ("ipykernel_launcher", "ipykernel", "colab_kernel_launcher")


def build_resource(service_name: str | None) -> Resource:
    """`service_name`, else `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`, else the program's name."""
    resource = Resource.create({SERVICE_NAME: service_name} if service_name else {})
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: program_name()}))
    return resource


def program_name() -> str:
    """The notebook's or script's file name without extension (`notebook` when unknown)."""
    main = sys.modules.get("__main__")
    notebook = getattr(main, "__vsc_ipynb_file__", None) or os.environ.get("JPY_SESSION_NAME")
    if notebook:
        return Path(str(notebook)).stem or "notebook"
    script = Path(sys.argv[0]).stem if sys.argv and sys.argv[0] not in ("", "-c", "-") else ""
    if script in _KERNEL_LAUNCHERS or "ipykernel" in sys.modules:
        return "notebook"
    return script or "python"
