"""rasa-sdk's action server finds every action of the domain, and nothing else, in actions/."""

from __future__ import annotations

from rasa_sdk.executor import ActionExecutor
from ruamel.yaml import YAML

from bot.settings import PROJECT_ROOT


def test_the_action_server_registers_exactly_the_domain_actions() -> None:
    """As ``rasa run actions --actions actions`` does: the abstract base class is not an action."""
    executor = ActionExecutor()
    executor.register_package("actions")
    ours = {
        name for name, run in executor.actions.items() if type(run.__self__).__module__.startswith("actions.")
    }
    domain = YAML(typ="safe").load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert ours == set(domain["actions"])
