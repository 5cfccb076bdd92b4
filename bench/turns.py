"""The conversation the load benchmarks send: the issue's six turns, as a resident would type them."""

TURNS = [
    "hello",
    "i need a free laptop",
    "NR3 2AB",
    "when are they open",
    "can i talk to a person",
    "thanks bye",
]
