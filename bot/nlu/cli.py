"""``python -m bot nlu ...``: build what the NLU pipeline needs."""

from __future__ import annotations

import argparse
from pathlib import Path


def _build_spacy(args: argparse.Namespace) -> int:
    from bot.nlu.spacy_model import build

    print(f"spaCy pipeline written to {build(Path(args.path))}")
    return 0


def _fetch_minilm(args: argparse.Namespace) -> int:
    from bot.nlu.minilm_files import fetch

    print(f"all-MiniLM-L6-v2 (verified) in {fetch(Path(args.path))}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    nlu = subparsers.add_parser("nlu", help="NLU pipeline tools")
    commands = nlu.add_subparsers(dest="nlu_command", required=True)
    build = commands.add_parser("build-spacy", help="build the blank English spaCy pipeline with lemmas")
    build.add_argument("--path", default="var/spacy/en_signpost")
    build.set_defaults(func=_build_spacy)
    minilm = commands.add_parser(
        "fetch-minilm", help="download and verify the all-MiniLM-L6-v2 sentence encoder"
    )
    minilm.add_argument("--path", default="var/minilm/all-MiniLM-L6-v2")
    minilm.set_defaults(func=_fetch_minilm)
