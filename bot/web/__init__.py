"""The embeddable web chat widget and the small web server around it.

``python -m bot web`` serves the widget script, a demo council page and the
``/api/forget`` endpoint behind the widget's "End chat" button. The widget
itself talks straight to Rasa's REST channel.
"""
