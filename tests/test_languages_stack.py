"""A conversation in each language through the real stack: answered in it, kept, and switched (issue 16).

The model must have been trained with the language detector (config.yml) and
change_language (domain.yml); ``SIGNPOST_TEST_MODELS`` points the stack at
another folder of models. The words are each language's catalogue as it
stands: a response not yet translated is expected in English.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from bot.wording import catalogue
from bot.wording.sync import response_key
from tests.support.catalogues import response_patterns, said
from tests.support.stack import Conversation

pytestmark = pytest.mark.stack

# "Where can I get help with my computer?", as a resident might write it.
FIRST = {
    "pl": "Gdzie mogę uzyskać pomoc z komputerem?",
    "cy": "Ble alla i gael help gyda fy nghyfrifiadur?",
    "ro": "Unde pot primi ajutor cu calculatorul?",
    "uk": "Де я можу отримати допомогу з комп'ютером?",
    "ar": "أين يمكنني الحصول على مساعدة في الكمبيوتر؟",
    "ur": "مجھے کمپیوٹر کے ساتھ مدد کہاں مل سکتی ہے؟",
    "pt": "Onde posso obter ajuda com o computador?",
}


# "Can I talk to a real person?"
PERSON = {
    "pl": "Czy mogę porozmawiać z prawdziwą osobą?",
    "cy": "Ga i siarad â pherson go iawn os gwelwch yn dda?",
    "ro": "Pot să vorbesc cu o persoană reală?",
    "uk": "Чи можу я поговорити з живою людиною?",
    "ar": "هل يمكنني التحدث مع شخص حقيقي؟",
    "ur": "کیا میں کسی اصلی انسان سے بات کر سکتا ہوں؟",
    "pt": "Posso falar com uma pessoa real?",
}


def in_language(replies: List[Dict[str, Any]], language: str) -> List[str]:
    """Every reply is marked ``language`` and its text is that language's response (or English where the
    catalogue has none); returns which responses were said."""
    assert replies, "no answer"
    assert [r.get("language") for r in replies] == [language] * len(replies), replies
    patterns = response_patterns(language)
    names = []
    for reply in replies:
        if reply.get("custom", {}).get("type") in ("hubs", "courses"):
            continue  # a list of places: catalogue pieces around directory data
        found = said(reply.get("text", ""), patterns)
        assert found, f"not a {language} response: {reply.get('text')!r}"
        names += found
    return names


@pytest.mark.parametrize("language", sorted(FIRST))
def test_answered_in_the_residents_language_kept_and_switched(
    conversation: Conversation, language: str
) -> None:
    first = in_language(conversation.say(FIRST[language]), language)
    translated = [n for n in first if catalogue(language).has(response_key(n))]
    if not translated:
        pytest.skip(f"none of {first} is translated into {language} yet")
    in_language(conversation.say("ok"), language)  # carries no language: the conversation keeps it
    places = conversation.say("NR2 4EE")  # an outcode carries none either: the hubs come in the language
    assert any(r.get("custom", {}).get("type") == "hubs" for r in places)
    assert "utter_referral_code" in in_language(places, language)
    person = in_language(conversation.say(PERSON[language]), language)
    assert {"utter_contact_or_place", "utter_contact"} & set(person), person
    switched = conversation.say("in English please")
    assert "utter_language_changed" in in_language(switched, "en")
    in_language(conversation.say("ok"), "en")
    # The widget's picker in the middle of a chat sends the choice as the intent itself.
    picked = conversation.say('/change_language{"language": "%s"}' % language)
    assert in_language(picked, language) == ["utter_language_changed"]


def test_starting_again_forgets_the_chat_but_not_its_language(conversation: Conversation) -> None:
    """Rasa's own restart forgot the language too: the next button was answered in English."""
    in_language(conversation.say(FIRST["pl"]), "pl")
    conversation.say("NR2 4EE")
    assert "utter_starting_again" in in_language(conversation.say("/start_over"), "pl")
    again = conversation.say("/find_hub")  # a button: it carries no language
    assert "utter_ask_location" in in_language(again, "pl")  # the place was forgotten
