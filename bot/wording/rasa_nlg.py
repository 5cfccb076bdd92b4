"""Rasa's response generator, answering in the conversation's language.

English stays in ``domain.yml``; each other language's text of a response is
its catalogue's ``response.<name>`` (``python -m bot wording sync``
makes the keys; an untranslated one shows in English). This generator is
Rasa's own (``TemplatedNaturalLanguageGenerator``) with one step added: after
Rasa picks a response variation (channel and condition included) and before it
fills the ``{placeholders}``, the English text is swapped for the language's.
So actions keep naming responses and giving variables, and channels get the
same structure whatever the language.

The language is :func:`bot.wording.conversation.answer_language` of the
``language`` slot and the latest message's ``metadata.language`` hint, limited
to ``LANGUAGES``. Set in ``endpoints.yml`` as ``nlg: type: bot.wording.rasa_nlg.TranslatingNLG``.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Optional, Sequence, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.wording import DEFAULT_LANGUAGE, catalogue
from bot.wording.conversation import METADATA_KEY, SLOT, answer_language, hint_of
from bot.wording.sync import response_key


def translated(response: Dict[Text, Any], response_name: Text, language: str) -> Dict[Text, Any]:
    """``response`` with its text in ``language`` when that language's catalogue has it."""
    if language == DEFAULT_LANGUAGE or "text" not in response:
        return response
    words = catalogue(language)
    key = response_key(response_name)
    if words.has(key):
        response["text"] = words.translations.gettext(key)
    return response


class TranslatingNLG(TemplatedNaturalLanguageGenerator):
    """Rasa's templated responses, in the conversation's language."""

    def __init__(
        self,
        endpoint_config: Any = None,
        domain: Optional[Domain] = None,
        languages: Optional[Sequence[str]] = None,
        **kwargs: Any,
    ) -> None:
        # Rasa builds a custom generator as nlg_class(endpoint_config=..., domain=...).
        super().__init__(domain.responses if domain is not None else {})
        if languages is None:
            from bot.settings import load

            languages = load().languages
        self.languages = tuple(languages)

    def language_of(self, tracker: DialogueStateTracker) -> str:
        slot = tracker.get_slot(SLOT)
        return answer_language(
            slot if isinstance(slot, str) else None, hint_of(tracker.latest_message.metadata), self.languages
        )

    async def generate(
        self,
        response_name: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        """Rasa's ``generate_from_slots`` with the chosen variation's text translated before filling."""
        filled_slots = tracker.current_slot_values()
        chosen = copy.deepcopy(self._random_response_for(response_name, output_channel, filled_slots))
        if chosen is None:
            return None
        language = self.language_of(tracker)
        translated(chosen, response_name, language)
        filled = self._fill_response(chosen, filled_slots, **kwargs)
        filled[METADATA_KEY] = language  # reaches the output channel (bot/channels/output.py)
        return filled
