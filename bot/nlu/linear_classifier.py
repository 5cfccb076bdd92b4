"""Rasa component: intents by logistic regression over every featurizer's sentence vector.

Why not only DIET: with a pretrained sentence embedding as a feature, a
regularised linear model over [word n-grams | character n-grams | MiniLM]
was as accurate as DIET on our data and clearly more accurate on the public
benchmarks (docs/performance.md), and it trains in seconds instead of a
minute, which is what staff wait for after teaching the bot.

Each featurizer's sentence vector is one block. Sparse count blocks get
sublinear TF-IDF and unit length (so the thousands of character n-grams do
not drown the words); dense blocks (the sentence embedding, already unit
length) are scaled by ``dense_weight``. One multinomial logistic regression
reads the concatenation.

Rasa's own LogisticRegressionClassifier takes raw counts and a fixed C, which
scored lower here. The model file holds only arrays (``np.savez``, no
pickle), so loading a model cannot run code.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

from bot.nlu.stored_component import StoredComponent

logger = logging.getLogger(__name__)
FILE = "linear_intent_classifier.npz"
SENTENCE = "sentence"


def sentence_blocks(message: Message) -> Dict[Text, Features]:
    """The message's sentence-level text features, one per featurizer (by origin)."""
    return {str(f.origin): f for f in message.features if f.attribute == TEXT and f.type == SENTENCE}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(IntentClassifier, StoredComponent):
    """Multinomial logistic regression on TF-IDF n-grams and sentence embeddings."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 10.0, "dense_weight": 1.0, "max_iter": 1000, "ranking_length": 10}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        widths: Optional[Dict[Text, int]] = None,
        idf: Optional[Dict[Text, np.ndarray]] = None,
        classifier: Optional[LogisticRegression] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        super().__init__(config, model_storage, resource)
        self.widths = widths or {}
        self.blocks = sorted(self.widths)
        self.tfidf = {name: self._transformer(values) for name, values in (idf or {}).items()}
        self.classifier = classifier

    @staticmethod
    def _transformer(idf: Optional[np.ndarray] = None) -> TfidfTransformer:
        transformer = TfidfTransformer(sublinear_tf=True)
        if idf is not None:
            transformer.idf_ = idf
        return transformer

    def _matrix(self, messages: List[Message], fit: bool = False) -> scipy.sparse.csr_matrix:
        per_message = [sentence_blocks(m) for m in messages]
        columns = []
        for name in self.blocks:
            width = self.widths[name]
            block = scipy.sparse.vstack(
                [
                    scipy.sparse.csr_matrix(blocks[name].features)
                    if name in blocks
                    else scipy.sparse.csr_matrix((1, width))
                    for blocks in per_message
                ]
            ).tocsr()
            if name in self.tfidf:
                transformer = self.tfidf[name]
                block = transformer.fit_transform(block) if fit else transformer.transform(block)
            else:
                block = block * float(self.config["dense_weight"])
            columns.append(block)
        return scipy.sparse.hstack(columns).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        labels = [m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            logger.debug("Fewer than two intents: the linear classifier is not trained.")
            return self._resource
        found: Dict[Text, Features] = {}
        for message in examples:
            found.update(sentence_blocks(message))
        self.blocks = sorted(found)
        self.widths = {name: int(found[name].features.shape[-1]) for name in self.blocks}
        self.tfidf = {name: self._transformer() for name in self.blocks if found[name].is_sparse()}
        matrix = self._matrix(examples, fit=True)
        self.classifier = LogisticRegression(
            C=float(self.config["C"]), max_iter=int(self.config["max_iter"]), random_state=42
        ).fit(matrix, labels)
        self.persist()
        return self._resource

    def persist(self) -> None:
        assert self.classifier is not None
        arrays = {
            "blocks": np.array(self.blocks),
            "widths": np.array([self.widths[name] for name in self.blocks]),
            "classes": self.classifier.classes_,
            "coef": self.classifier.coef_,
            "intercept": self.classifier.intercept_,
            **{f"idf:{name}": t.idf_ for name, t in self.tfidf.items()},
        }
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / FILE, **arrays)

    @classmethod
    def from_saved(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, directory: Path
    ) -> "LinearIntentClassifier":
        with np.load(directory / FILE, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
        classifier = LogisticRegression()
        classifier.classes_ = arrays["classes"]
        classifier.coef_ = arrays["coef"]
        classifier.intercept_ = arrays["intercept"]
        idf = {name.split(":", 1)[1]: values for name, values in arrays.items() if name.startswith("idf:")}
        widths = {
            str(name): int(width) for name, width in zip(arrays["blocks"], arrays["widths"], strict=True)
        }
        return cls(config, model_storage, resource, widths, idf, classifier)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.classifier is None or not messages:
            return messages
        with_text = [m for m in messages if sentence_blocks(m)]
        if not with_text:
            return messages
        probabilities = self.classifier.predict_proba(self._matrix(with_text))
        classes = [str(c) for c in self.classifier.classes_]
        keep = int(self.config["ranking_length"])
        for message, row in zip(with_text, probabilities, strict=True):
            order = np.argsort(-row)
            ranking = [{INTENT_NAME_KEY: classes[i], PREDICTED_CONFIDENCE_KEY: float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:keep] if keep > 0 else ranking, add_to_output=True)
        return messages
