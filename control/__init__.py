"""The client side of the engine: starting the Temporal server and the worker, and the
operations the coordinator and the units perform on a running plan."""
