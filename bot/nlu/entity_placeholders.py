"""Rasa component: the classifier sees "postcode" instead of "NR5 8AB".

The letters of a postcode or a place name say nothing about what the resident
needs, but the character n-gram features read them anyway: before this
component, "NR5 8AB" alone was classified as opening_times. Replacing the
tokens of postcode and place entities with a fixed word (text and lemma)
lets the classifier learn "near <postcode>" once for every postcode.

Training data uses its annotated entities; live messages use the entities the
location extractor found, so it must come after it and before the featurizers.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.rule_component import RuleComponent

PLACEHOLDERS = {"postcode": "postcode", "place": "placename"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class EntityPlaceholders(RuleComponent):
    """Rewrites the tokens of location entities to a placeholder word."""

    @staticmethod
    def replace(message: Message) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        for entity in message.get(ENTITIES) or []:
            word = PLACEHOLDERS.get(entity.get("entity"))
            if word is None:
                continue
            for token in tokens:
                if token.start < entity["end"] and entity["start"] < token.end:
                    token.text = word
                    token.lemma = word

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self.replace(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.replace(message)
        return messages
