"""The verbs of `scheduler.py`, one module per concern; each exposes `register(app)`."""
