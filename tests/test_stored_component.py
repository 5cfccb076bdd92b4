"""bot.nlu.stored_component: a model that holds nothing for a component loads it untrained.

That happens when a component had nothing to learn (fewer than two intents,
no signposting examples); the bot must then answer as if the component were
absent, not fail to load the model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.in_domain_gate import InDomainGate
from bot.nlu.linear_classifier import LinearIntentClassifier
from bot.nlu.spelling import SpellingCorrector


@pytest.mark.parametrize("component", [InDomainGate, LinearIntentClassifier, SpellingCorrector])
def test_nothing_saved_loads_an_untrained_component(component: type, tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), node_name="x")
    config = component.get_default_config()
    loaded = component.load(config, storage, Resource("never_trained"), context)
    assert isinstance(loaded, component)
    message = Message(data={TEXT: "where can i get a laptop", INTENT: {"name": "get_device", "confidence": 0.9}})
    assert loaded.process([message]) == [message]
    assert message.get(INTENT)["name"] == "get_device"
