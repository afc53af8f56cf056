"""A person at the keyboard, scripted through AG2's own I/O layer (`IOStream`)."""

from __future__ import annotations

from typing import Any


def scripted_keyboard(answers: list[str]) -> Any:
    """An `IOConsole` whose `input()` answers from `answers` (then presses Enter)."""
    from autogen.io import IOConsole

    left = list(answers)

    class Keyboard(IOConsole):  # type: ignore[misc]
        def input(self, prompt: str = "", *, password: bool = False) -> str:
            print(prompt, flush=True)
            return left.pop(0) if left else ""

    return Keyboard()
