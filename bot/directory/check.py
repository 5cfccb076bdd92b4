"""Find problems in a loaded directory that would let residents down."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.directory import schema
from bot.directory.vocabulary import SERVICES


@dataclass(frozen=True)
class Problem:
    kind: str  # unreachable | no_hours | unknown_service | course_ended | duplicate | empty
    subject: str  # hub or course id
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: {self.message}"


def check_directory(engine: Engine, today: date | None = None) -> list[Problem]:
    """Every problem found, ordered by kind then subject; empty when clean."""
    today = today or date.today()
    problems: list[Problem] = []
    with Session(engine) as session:
        hubs = session.execute(select(schema.Location)).scalars().all()
        if not hubs:
            problems.append(Problem("empty", "-", "the directory has no hubs; load hubs.csv first"))
        by_place: dict[tuple[str, str], list[str]] = defaultdict(list)
        for hub in hubs:
            has_hours = any(s.course_id is None for s in hub.schedules)
            if not has_hours and not hub.phone:
                problems.append(
                    Problem(
                        "unreachable",
                        hub.id,
                        f"{hub.name} has no opening hours and no phone: nobody can find out when to go",
                    )
                )
            elif not has_hours:
                problems.append(Problem("no_hours", hub.id, f"{hub.name} has no opening hours"))
            unknown = sorted(s.term_id for s in hub.services if s.term_id not in SERVICES)
            if unknown:
                problems.append(
                    Problem(
                        "unknown_service",
                        hub.id,
                        f"{hub.name} offers services outside the vocabulary: {', '.join(unknown)}",
                    )
                )
            if not hub.services:
                problems.append(Problem("unknown_service", hub.id, f"{hub.name} offers no service"))
            by_place[(" ".join(hub.name.lower().split()), hub.postcode)].append(hub.id)
        for (name, postcode), ids in by_place.items():
            if len(ids) > 1:
                problems.append(
                    Problem(
                        "duplicate", ", ".join(sorted(ids)), f"{len(ids)} hubs called {name!r} at {postcode}"
                    )
                )
        ended = session.execute(select(schema.Course).where(schema.Course.end_date < today)).scalars().all()
        for course in ended:
            problems.append(
                Problem("course_ended", course.id, f"{course.title} ended on {course.end_date.isoformat()}")
            )
    return sorted(problems, key=lambda p: (p.kind, p.subject))
