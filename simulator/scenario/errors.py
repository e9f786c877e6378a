"""Validation problems: where (file, line, dotted path), what was found, what was expected."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario."""

    message: str
    path: str = ""
    line: Optional[int] = None
    source: str = ""   # the file, or "--set PATH=VALUE" when an override is at fault

    def __str__(self) -> str:
        where = self.source
        if self.line is not None and not self.source.startswith("--set"):
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        head = f"{where}: " if where else ""
        return f"{head}{self.path + ': ' if self.path else ''}{self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used; ``problems`` lists every reason at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
