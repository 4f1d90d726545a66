"""Workflow code: deterministic, it only decides and waits. Every I/O is an activity."""
