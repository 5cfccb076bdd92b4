"""Rasa input channels: code that runs inside the Rasa server."""
