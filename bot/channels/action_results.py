"""Check action server answers against Rasa's schema without re-checking the schema each time.

Rasa's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``,
which first validates the (fixed) schema against its meta-schema on every
call: about 60 ms per custom action on this 2-core machine, more than the
rest of a turn together (``make bench-turn``). :func:`install` makes the
check use one validator built once for that schema: the same answers pass,
the same answers fail with the same message.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    try:
        _validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise e


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result
