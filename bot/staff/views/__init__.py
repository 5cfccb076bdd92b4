"""The staff console's pages and JSON API, one module per area; :mod:`bot.staff.web` mounts them."""
