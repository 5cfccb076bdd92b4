"""Referral codes: did the resident go, and were they helped? Without knowing who they are.

Every answer that names places gets one short code (``codes``), stored with
the day, the need, the outward code, the channel and the places offered,
never anything about the person (``store``). A hub that sees the code marks
the resident as arrived with one outcome (``outcomes``), from the staff
console or ``python -m bot referrals mark`` (``cli``); ``report`` turns the
marks into the published funnel (referred, arrived, helped). Nothing here
knows about Rasa, aiohttp or Telegram: callers pass plain values in.
"""
