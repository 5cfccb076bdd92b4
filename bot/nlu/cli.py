"""``python -m bot nlu ...``: build what the NLU pipeline needs."""

from __future__ import annotations

import argparse
from pathlib import Path


def _build_spacy(args: argparse.Namespace) -> int:
    from bot.nlu.spacy_model import build

    print(f"spaCy pipeline written to {build(Path(args.path))}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    nlu = subparsers.add_parser("nlu", help="NLU pipeline tools")
    commands = nlu.add_subparsers(dest="nlu_command", required=True)
    build = commands.add_parser("build-spacy", help="build the blank English spaCy pipeline with lemmas")
    build.add_argument("--path", default="var/spacy/en_signpost")
    build.set_defaults(func=_build_spacy)
