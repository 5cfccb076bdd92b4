"""Action server answers are checked as strictly as Rasa checks them, with the schema checked once."""

from __future__ import annotations

from typing import Any, Dict

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.channels import action_results

GOOD: Dict[str, Any] = {
    "events": [{"event": "slot", "name": "need", "value": "get_device"}],
    "responses": [{"text": "Where are you?"}],
}
BAD = [
    {"events": [{"event": "slot", "name": 3, "value": "x"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["just text"]},
]


def _rasa_original(result: Dict[str, Any]) -> None:
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    action_results.install()
    return RemoteAction("action_find_help", None)


def test_valid_answers_pass(installed: RemoteAction) -> None:
    _rasa_original(GOOD)
    assert installed._validate_action_result(GOOD) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_answers_fail_as_they_did(installed: RemoteAction, result: Dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError) as original:
        _rasa_original(result)
    with pytest.raises(jsonschema.ValidationError) as ours:
        installed._validate_action_result(result)
    assert ours.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_the_schema_is_checked_once_not_per_answer(
    installed: RemoteAction, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed._validate_action_result(GOOD)  # builds the validator
    calls = []
    cls = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
    monkeypatch.setattr(cls, "check_schema", classmethod(lambda c, s: calls.append(s)))
    for _ in range(3):
        installed._validate_action_result(GOOD)
    assert calls == []
