"""Markdown tables for the benchmarks' printed reports (pasted as they are into docs/)."""

from __future__ import annotations

from typing import Iterable, Sequence


def print_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """One header row, the separator, then a row per item; cells already formatted."""
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
