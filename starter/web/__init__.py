"""The HTTP API's routes, one module per domain; `starter/api.py` assembles them."""
