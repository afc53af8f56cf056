"""Real AG2 programs, adapted from AG2's own documentation, notebooks and tests (each names
its source in `SOURCE`) only so far as to use the scripted local model, a scripted keyboard
and a relative working directory. Each has `main(llm_config)` and `SPANS`, span names its
trace must contain (the shape it exercises); `EXPECTED_ERRORS` lists the
spans that may end ERROR although the program itself succeeds (a failing tool, code that
exits non-zero); `FAILS` names the exception a program raises on purpose."""
