"""The web app's routes by resource: each file holds a use case's page and its JSON API side
by side, both calling the same service function with the same access rule (`web.deps`)."""
