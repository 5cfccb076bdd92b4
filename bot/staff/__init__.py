"""The staff console: council staff review what the bot missed, teach it, retrain and promote.

Served under /staff/ by the web process (:mod:`bot.staff.web`); the same
operations are available as ``python -m bot staff ...`` (:mod:`bot.staff.cli`).
"""
