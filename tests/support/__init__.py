"""What the tests share that is not a test: fakes on loopback, builders, harnesses and drivers.

Test modules and conftest.py files import from here; nothing here is collected by pytest.
"""
