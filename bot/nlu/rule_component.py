"""Rasa components that learn nothing: built from their config alone, nothing stored in the model.

Rasa asks every graph component for ``create(config, model_storage, resource,
execution_context)``; for a component of fixed rules only the config matters.
"""

from __future__ import annotations

from typing import Any, Dict, Text, Type, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

Component = TypeVar("Component", bound="RuleComponent")


class RuleComponent(GraphComponent):
    """Holds its config (defaults filled in) as ``self._config``."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls: Type[Component],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        return cls(config)
