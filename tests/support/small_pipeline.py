"""Train and ask a small Rasa NLU pipeline in a test, the way `rasa train` would."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import yaml

from tests.support.event_loop import run as run_to_end

EXAMPLES: Dict[str, List[str]] = {
    "get_device": [
        "i need a laptop",
        "can i get a free tablet",
        "i cant afford a computer",
        "where can i borrow a laptop",
        "do you give out old phones",
        "looking for a cheap pc",
    ],
    "get_connectivity": [
        "i need a free sim",
        "no data on my phone",
        "where can i get free wifi",
        "cant afford broadband",
        "my phone has no credit for internet",
        "free mobile data please",
    ],
    "greet": ["hello", "hi there", "good morning", "hey", "hiya", "afternoon"],
}


def train_small(work: Path, pipeline: List[dict], examples: Dict[str, List[str]] = EXAMPLES) -> Path:
    from rasa.model_training import train_nlu

    nlu = {
        "version": "3.1",
        "nlu": [
            {"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
            for intent, texts in examples.items()
        ],
    }
    (work / "nlu.yml").write_text(yaml.safe_dump(nlu, sort_keys=False))
    config = {"recipe": "default.v1", "language": "en", "assistant_id": "small-test", "pipeline": pipeline}
    (work / "config.yml").write_text(yaml.safe_dump(config))
    return Path(
        train_nlu(str(work / "config.yml"), str(work / "nlu.yml"), str(work / "out"), fixed_model_name="m")
    )


def parse(model: Path, texts: List[str]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run() -> List[dict]:
        return [await agent.parse_message(text) for text in texts]

    return run_to_end(run())
