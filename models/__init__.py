"""What the product stores and passes around: tables (`models.tables`) and the plain payloads
that cross the workflow/activity boundary (`models.payloads`).

This package imports nothing on its own so that workflow code can import `models.payloads`
without pulling the database layer into the Temporal sandbox.
"""
