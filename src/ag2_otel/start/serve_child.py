"""`python -m ag2_otel.start.serve_child ARGS`: `ag2-otel serve ARGS` that dies with its parent.

`launch()` starts the backend in a child process (nothing of it runs on the notebook's event
loop) and keeps the write end of the child's stdin. When the parent exits for any reason,
even `kill -9` of a Jupyter kernel, the OS closes that pipe; the child reads end-of-file and
stops itself the way Ctrl-C would, so pending traces are written before it goes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading


def _stop_when_parent_goes() -> None:
    while sys.stdin.buffer.read(4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def main() -> int:
    from ag2_otel.cli import main as cli_main

    threading.Thread(target=_stop_when_parent_goes, name="ag2-otel-parent-watch", daemon=True).start()
    return cli_main(["serve", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
