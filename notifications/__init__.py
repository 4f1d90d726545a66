"""Notifications that reach people: templates, contacts, channels, delivery and its log."""
