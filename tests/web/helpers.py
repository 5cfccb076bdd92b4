"""Moved to tests/support/widget.py; this re-export goes once tests/staff/test_console_pages.py imports from there."""

from tests.support.widget import run_axe  # noqa: F401
