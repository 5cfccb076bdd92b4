"""bot.nlu.stored_component: a model that holds nothing for a component loads it untrained.

A model whose saved file is there but damaged fails to load with a clear error.
Holding nothing happens when a component had nothing to learn (fewer than two intents,
no signposting examples); the bot must then answer as if the component were
absent, not fail to load the model.
"""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import in_domain_gate, linear_classifier
from bot.nlu.in_domain_gate import InDomainGate
from bot.nlu.linear_classifier import LinearIntentClassifier
from bot.nlu.spelling import SpellingCorrector
from bot.nlu.stored_component import DamagedModelError
from bot.settings import PROJECT_ROOT


@pytest.mark.parametrize("component", [InDomainGate, LinearIntentClassifier, SpellingCorrector])
def test_nothing_saved_loads_an_untrained_component(component: type, tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), node_name="x")
    config = component.get_default_config()
    loaded = component.load(config, storage, Resource("never_trained"), context)
    assert isinstance(loaded, component)
    message = Message(
        data={TEXT: "where can i get a laptop", INTENT: {"name": "get_device", "confidence": 0.9}}
    )
    assert loaded.process([message]) == [message]
    assert message.get(INTENT)["name"] == "get_device"


COMPONENTS = [InDomainGate, LinearIntentClassifier, SpellingCorrector]
CONTEXT = ExecutionContext(GraphSchema({}), node_name="x")


@pytest.mark.parametrize("component", COMPONENTS)
def test_an_empty_folder_loads_an_untrained_component(component: type, tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("nothing_written")
    with storage.write_to(resource):
        pass  # the folder exists but the component wrote nothing into it
    assert isinstance(component.load(component.get_default_config(), storage, resource, CONTEXT), component)


@pytest.mark.parametrize("component", COMPONENTS)
@pytest.mark.parametrize("damage", ["garbage", "empty file", "missing file"])
def test_a_damaged_saved_file_fails_loudly(component: type, damage: str, tmp_path: Path) -> None:
    module = sys.modules[component.__module__]
    storage = LocalModelStorage(tmp_path)
    resource = Resource("damaged")
    with storage.write_to(resource) as directory:
        if damage == "garbage":
            (directory / module.FILE).write_bytes(b"\x00\xffnot what was saved")
        elif damage == "empty file":
            (directory / module.FILE).write_bytes(b"")
        else:
            (directory / "something_else.txt").write_text("the component's own file is gone")
    with pytest.raises(DamagedModelError, match=rf"{component.__name__}: .*damaged or unreadable.*Retrain"):
        component.load(component.get_default_config(), storage, resource, CONTEXT)


def test_a_readable_saved_file_still_loads(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("gate")
    with storage.write_to(resource) as directory:
        np.save(directory / in_domain_gate.FILE, np.eye(3, dtype=np.float32))
    loaded = InDomainGate.load(InDomainGate.get_default_config(), storage, resource, CONTEXT)
    assert loaded.examples.shape == (3, 3)


def test_rasa_refuses_a_trained_model_whose_classifier_file_is_damaged(tmp_path: Path) -> None:
    """Through Rasa's own loader: a half-written classifier file stops the model loading."""
    from rasa.core.agent import Agent

    trained = sorted((PROJECT_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not trained:
        pytest.fail("no trained model in models/: run `make train` (make test does)")
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(trained[-1]) as original, tarfile.open(damaged, "w:gz") as copy:
        for member in original.getmembers():
            data = original.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            if member.name.endswith(linear_classifier.FILE):
                data = data[: len(data) // 2]  # type: ignore[index]
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data) if data is not None else None)
    with pytest.raises(DamagedModelError, match="LinearIntentClassifier: .*damaged or unreadable"):
        Agent.load(str(damaged))
