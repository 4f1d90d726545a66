# The image of the worker, the web app and the migration job (docker-compose.yml): the wheel and
# its dependencies at the versions of constraints.txt, without the Temporal dev and test servers
# (the `dev-server` extra is for laptops and CI), run by a user of its own.
FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NHACHAN_VAR_DIR=/var/lib/nhachan
# The volumes mounted under the var folder (outbox, evidence) take its owner from the image.
RUN groupadd --system --gid 10001 nhachan \
    && useradd --system --uid 10001 --gid nhachan --home-dir /var/lib/nhachan nhachan \
    && mkdir -p /var/lib/nhachan/outbox /var/lib/nhachan/evidence \
    && chown -R nhachan:nhachan /var/lib/nhachan
COPY constraints.txt /tmp/constraints.txt
COPY --from=build /wheels /tmp/wheels
RUN pip install --constraint /tmp/constraints.txt /tmp/wheels/nhachan-*.whl \
    && rm -rf /tmp/wheels /tmp/constraints.txt
USER nhachan
WORKDIR /var/lib/nhachan
# The worker's check (the web service overrides it with an HTTP one): Temporal still hears this
# container's worker poll its task queue.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "control.health", "worker"]
CMD ["python", "-m", "worker"]
