"""Rasa input channels: code that runs inside the Rasa server, and the channel names
(:mod:`bot.channels.names`, free of Rasa) that clients send and impact figures count by."""
