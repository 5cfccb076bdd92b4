"""Rasa component: a pretrained sentence embedding as a dense feature.

Sparse features (word and character counts) only know the words in the
training data. all-MiniLM-L6-v2 was trained on a billion sentence pairs, so
"I can't afford a laptop" and "computers cost too much for me" land close
together even when the training data never used "cost". The classifier
(bot/nlu/linear_classifier.py) learns from both.

The embedding is a sentence feature only (no token sequence): the classifier
reads sentence features, and one vector per message keeps training fast.

Place it after EntityPlaceholders: the encoder reads the message with its
postcode and place names replaced by the same placeholder words, for the same
reason (the letters of "NR5 8AB" say nothing about the need).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entity_placeholders import PLACEHOLDERS
from bot.nlu.sentence_encoder import SentenceEncoder
from bot.nlu.spelling import corrected_text

DEFAULT_MODEL = "var/minilm/all-MiniLM-L6-v2"
# The raw vector, for components after the featurizer (the in-domain gate).
EMBEDDING = "text_sentence_embedding"

# Encoders, and training examples' embeddings, shared by every instance in this
# process: a cross-validation run trains the pipeline many times on the same
# texts. Residents' messages are never cached (nothing of theirs kept in memory).
_ENCODERS: Dict[str, SentenceEncoder] = {}
_CACHE: Dict[Text, np.ndarray] = {}
_CACHE_LIMIT = 50_000  # 77 MB at most


def text_for_encoder(message: Message) -> Text:
    """The message text with location entities replaced by placeholder words.

    After SpellingCorrector, its corrected words (which already hold the placeholders).
    """
    corrected = corrected_text(message)
    if corrected:
        return corrected
    text = message.get(TEXT) or ""
    for entity in sorted(message.get(ENTITIES) or [], key=lambda e: e["start"], reverse=True):
        word = PLACEHOLDERS.get(entity.get("entity"))
        if word is not None:
            text = text[: entity["start"]] + word + text[entity["end"] :]
    return text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 384-dimension all-MiniLM-L6-v2 sentence feature to each message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # add_features false: compute the embedding for later components (the
        # in-domain gate) without giving it to the classifier.
        return {**DenseFeaturizer.get_default_config(), "model": DEFAULT_MODEL, "add_features": True}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        weights = Path(config["model"]) / "model.safetensors"
        if not weights.exists():
            raise FileNotFoundError(
                f"{weights} is missing: run `python -m bot nlu fetch-minilm` (make train does)."
            )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context.node_name)

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.model_dir = str(config["model"])
        self.add_features = bool(config["add_features"])

    def _encoder(self) -> SentenceEncoder:
        if self.model_dir not in _ENCODERS:
            _ENCODERS[self.model_dir] = SentenceEncoder.load(Path(self.model_dir))
        return _ENCODERS[self.model_dir]

    def embed(self, texts: List[Text], cache: bool = False) -> np.ndarray:
        if not cache:
            return self._encoder().encode(texts) if texts else np.zeros((0, 384))
        missing = sorted({t for t in texts if t not in _CACHE})
        if missing:
            if len(_CACHE) + len(missing) > _CACHE_LIMIT:
                _CACHE.clear()
            _CACHE.update(zip(missing, self._encoder().encode(missing), strict=True))
        return np.stack([_CACHE[t] for t in texts]) if texts else np.zeros((0, 384))

    def _featurize(self, messages: List[Message], cache: bool = False) -> None:
        messages = [m for m in messages if m.get(TEXT)]
        vectors = self.embed([text_for_encoder(m) for m in messages], cache)
        for message, vector in zip(messages, vectors, strict=True):
            message.set(EMBEDDING, vector)
            if self.add_features:
                self.add_features_to_message(
                    sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message
                )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples, cache=True)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages

    @classmethod
    def required_packages(cls) -> Optional[List[Text]]:
        return ["tokenizers", "safetensors"]
