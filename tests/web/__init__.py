import warnings

# Starlette's test client asks for its own fork of httpx; the httpx installed works the same.
warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`", UserWarning)
