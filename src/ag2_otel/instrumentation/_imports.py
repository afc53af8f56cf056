"""Patch an AG2 module when the program imports it, never import it ourselves.

`instrument()` must not import what the program does not use: AG2's A2A stack alone is
~127 modules and an `ImportWarning`, and an import is observable (`sys.modules`, warnings,
import-time side effects). Modules already imported are patched at once; for the others a
finder on `sys.meta_path` notices their import and patches them right after they ran.
`clear()` takes the finder out again, so `uninstrument()` leaves the import system as it was.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType

logger = logging.getLogger(__name__)

OnImport = Callable[[ModuleType], None]


class _Loader(Loader):
    """The module's own loader, followed by our patching once the module has run."""

    def __init__(self, loader: Loader, on_import: OnImport) -> None:
        self._loader = loader
        self._on_import = on_import

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The module sees its real loader, before and after: we are not observable there.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        try:
            self._on_import(module)
        except Exception:  # never break the program's import
            logger.debug("ag2-otel: patching %s on import failed", module.__name__, exc_info=True)


class _PostImportFinder(MetaPathFinder):
    """Finds nothing itself: asks the other finders, then wraps the loader of a watched module."""

    def __init__(self) -> None:
        self.watched: dict[str, OnImport] = {}
        self._searching = threading.local()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        on_import = self.watched.get(fullname)
        if on_import is None or getattr(self._searching, "name", None) == fullname:
            return None
        self._searching.name = fullname
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._searching.name = None
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Loader(spec.loader, on_import)
        return spec


_finder = _PostImportFinder()
_lock = threading.Lock()


def when_imported(module_name: str, on_import: OnImport) -> None:
    """Call `on_import(module)` now if `module_name` is imported, else right after the
    program imports it (once)."""
    with _lock:
        module = sys.modules.get(module_name)
        if module is None:
            _finder.watched[module_name] = _once(module_name, on_import)
            if _finder not in sys.meta_path:
                sys.meta_path.insert(0, _finder)
            return
    on_import(module)


def _once(module_name: str, on_import: OnImport) -> OnImport:
    def run(module: ModuleType) -> None:
        with _lock:
            if _finder.watched.pop(module_name, None) is None:
                return  # cleared meanwhile
            if not _finder.watched and _finder in sys.meta_path:
                sys.meta_path.remove(_finder)
        on_import(module)

    return run


def clear() -> None:
    """Stop watching; the import system is left as it was before the first `when_imported`."""
    with _lock:
        _finder.watched.clear()
        if _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
