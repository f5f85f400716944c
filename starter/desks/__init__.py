"""The service layer: one module per process, each with its desk (what the process checks before
any workflow is started or stepped, and how it speaks to the engine) and its guarded form (the
roles matrix, the caller's own MO, acting under one's own name, another MO's records answered as
if they did not exist). The command line, the HTTP API and the console call the guarded desks
only; `compose.py` builds them."""
