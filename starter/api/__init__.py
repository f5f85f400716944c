"""The HTTP API: the FastAPI app (`app.py`), one router per process over the guarded desks, the
error mapping, the audit trail's middleware and the payload codec the Temporal UI calls."""
