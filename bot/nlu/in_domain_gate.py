"""Rasa component: a signposting intent must look like something we were taught.

A classifier always picks one of the intents it knows, and its confidence
can be high for a message unlike anything in the training data ("find me a
place to stay in Jacksonville" came out as find_hub at 0.71). Sending a
resident to the wrong place is the costly mistake, so this gate asks a second,
independent question: is the message close, in all-MiniLM-L6-v2's sentence
space, to the examples we were taught for signposting intents? If the mean
cosine similarity of its ``neighbours`` nearest examples is under
``threshold``, a signposting prediction becomes nlu_fallback (the bot asks the
resident to say it another way and shows the menu; staff see it in the inbox).

Intents that do not send anyone anywhere (greetings, thanks, talk_to_human)
are never gated. Needs SentenceEmbeddingFeaturizer earlier in the pipeline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME as FALLBACK
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.needs import SIGNPOSTING_INTENTS
from bot.nlu.sentence_featurizer import EMBEDDING
from bot.nlu.stored_component import StoredComponent

FILE = "signposting_examples.npy"
SIMILARITY = "in_domain_similarity"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class InDomainGate(StoredComponent):
    """Turns signposting predictions far from every taught example into nlu_fallback."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"threshold": 0.45, "neighbours": 3}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        examples: Optional[np.ndarray] = None,
    ) -> None:
        self.threshold = float(config["threshold"])
        self.neighbours = int(config["neighbours"])
        super().__init__(config, model_storage, resource)
        self.examples = examples if examples is not None else np.zeros((0, 384), dtype=np.float32)

    def train(self, training_data: TrainingData) -> Resource:
        vectors = [
            m.get(EMBEDDING)
            for m in training_data.intent_examples
            if m.get(INTENT) in SIGNPOSTING_INTENTS and m.get(EMBEDDING) is not None
        ]
        if vectors:
            self.examples = np.stack(vectors).astype(np.float32)
        with self._model_storage.write_to(self._resource) as directory:
            np.save(directory / FILE, self.examples)
        return self._resource

    @classmethod
    def from_saved(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, directory: Path
    ) -> "InDomainGate":
        return cls(config, model_storage, resource, np.load(directory / FILE, allow_pickle=False))

    def similarity(self, vector: np.ndarray) -> float:
        """Mean cosine similarity of the nearest taught signposting examples."""
        if not len(self.examples):
            return 1.0
        similarities = self.examples @ vector
        k = min(self.neighbours, len(similarities))
        return float(np.partition(similarities, -k)[-k:].mean())

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            vector = message.get(EMBEDDING)
            if intent.get(INTENT_NAME_KEY) not in SIGNPOSTING_INTENTS or vector is None:
                continue
            similarity = self.similarity(vector)
            # In the parse result, so staff (and bench/thresholds.py) can see how close it was.
            message.set(SIMILARITY, round(similarity, 4), add_to_output=True)
            if similarity < self.threshold:
                fallback = {INTENT_NAME_KEY: FALLBACK, PREDICTED_CONFIDENCE_KEY: self.threshold}
                message.set(INTENT, fallback, add_to_output=True)
                ranking = message.get(INTENT_RANKING_KEY) or []
                message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages
