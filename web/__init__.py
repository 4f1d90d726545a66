"""The web app: where units deliver, the coordinator steers and the leadership sees."""
