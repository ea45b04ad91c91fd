FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY kernel kernel
COPY services services
COPY gateway gateway
COPY tui tui
COPY mbo mbo
RUN pip install --no-cache-dir .
ENV MBO_DATA_DIR=/data
EXPOSE 8000 8001 8002 8003
