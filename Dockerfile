# The desk's image: the API and the workers run from it (docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY models models
COPY workflows workflows
COPY activities activities
COPY adapters adapters
COPY starter starter
COPY migrations migrations
COPY worker.py ./
RUN pip install --no-cache-dir .
USER nobody
ENTRYPOINT ["sagir-desk"]
