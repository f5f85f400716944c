"""The `sagir-desk` command line: click groups, one module per process, over the guarded desks
(`session.py` opens them as the holder of SAGIR_TOKEN); `main.py` is the entry point."""
