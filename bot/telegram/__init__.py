"""Telegram channel: a python-telegram-bot Application bridged to Rasa's REST channel."""
