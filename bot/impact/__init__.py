"""Impact reporting: anonymous counts of what residents needed, where, and where help is missing.

``privacy`` decides what a row may hold, ``store`` keeps the rows (and
deletes old ones), ``recorder`` measures an answer against the directory,
``report`` turns rows into published figures and ``cli`` prints them. Nothing
here knows about Rasa: the actions pass plain values in.
"""
