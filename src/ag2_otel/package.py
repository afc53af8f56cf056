# Classic AG2 ships as `autogen` (0.11-0.14) and as `ag2` < 1.0; either provides
# the `autogen` namespace, so the dependency check accepts any of them.
_instruments: tuple[str, ...] = ()
_instruments_any = ("autogen >= 0.11, < 0.15", "ag2 >= 0.11, < 1.0")
