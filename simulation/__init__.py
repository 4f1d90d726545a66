"""Running a plan over months in seconds on Temporal's time-skipping test server."""
