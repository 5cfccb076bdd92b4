"""Base for our trainable Rasa components: what they learn lives in their model-storage folder.

Rasa asks every graph component for a ``create`` (a fresh one, for training)
and a ``load`` (from a trained model). For ours the two differ only in what
is read back, so subclasses write ``from_saved`` and this class does the rest,
including the case of a model that holds nothing for the component.

Nothing saved (the component's folder is absent or empty, because it had
nothing to learn) loads an untrained component. A saved file that is there
but cannot be read is a damaged model: loading it must fail loudly, never
quietly serve a component that has forgotten what it learnt.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, Text, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

Component = TypeVar("Component", bound="StoredComponent")


class DamagedModelError(RasaException):
    """A component's saved files are in the model but cannot be read.

    A ``RasaException`` so Rasa shows this message as it is, instead of a
    generic "error initializing graph component".
    """


class StoredComponent(GraphComponent):
    """Keeps ``model_storage`` and ``resource`` so ``train`` can write what it learnt."""

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls: type[Component],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls: type[Component],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Component:
        try:
            with model_storage.read_from(resource) as directory:
                if any(directory.iterdir()):
                    try:
                        return cls.from_saved(config, model_storage, resource, directory)
                    except Exception as exc:  # noqa: BLE001 - any failure to read means a damaged model
                        raise DamagedModelError(
                            f"{cls.__name__}: the trained model's file in '{resource.name}' is damaged or "
                            f"unreadable ({type(exc).__name__}: {exc}). "
                            "Retrain, or roll back to an earlier model."
                        ) from exc
        except ValueError:  # Rasa's read_from: the folder was never written (nothing to learn)
            pass
        logger.debug("%s: nothing saved in the model; using an untrained one.", cls.__name__)
        return cls.create(config, model_storage, resource, execution_context)

    @classmethod
    def from_saved(
        cls: type[Component],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        directory: Path,
    ) -> Component:
        """The component as ``train`` left it in ``directory``."""
        raise NotImplementedError
