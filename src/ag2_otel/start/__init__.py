"""One-call start: `setup()` (providers + instrumentation), `launch()` (local viewer), `show()`."""
