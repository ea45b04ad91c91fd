"""Our gateway against Hive Gateway on the same three running subgraphs, timed side by side in one run.

Run: .venv/bin/python bench/gateway_vs_hive.py [--repeat 200] [--seconds 3]

Installs @graphql-hive/gateway and @theguild/federation-composition with npm into a temporary folder
(skipped, with a message, where node or npm is missing), composes the supergraph from the SDL the
running subgraphs serve (their `@link` lowered from federation v2.11 to v2.9, the newest that composer
knows), serves Hive on loopback forwarding the Authorization header, and times three queries through
both gateways: sequential p50/p95 (requests alternate between the two) and requests/s of 8 clients.
Data: a city (110 units, ~10 staff each) with its year computed and published, so `result` is real.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import generated_bundle, machine, percentile, started_stack, table, throughput

from gateway.federation import fetch_sdl
from mbo.bundle import import_bundle
from tests.support.stack import free_port_block

YEAR = 2026
PACKAGES = ("@graphql-hive/gateway@2", "@theguild/federation-composition@0", "graphql@16")
QUERIES = [
    ("1 subgraph: units", "{ units { code name kind } }"),
    ("2 subgraphs: units + staff", "{ units { code name staff { staffNo name } } }"),
    ("3 subgraphs: units + staff + result",
     f"{{ units {{ code name staff {{ staffNo name }} result(year: {YEAR}) {{ compositeScore grade rank }} }} }}"),
]
COMPOSE = """
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'graphql';
import { composeServices } from '@theguild/federation-composition';
const [out, ...pairs] = process.argv.slice(2);
const services = pairs.map((pair) => {
  const [name, url, file] = pair.split('=');
  return { name, url, typeDefs: parse(readFileSync(file, 'utf8')) };
});
const result = composeServices(services);
if (result.errors && result.errors.length) {
  console.error(result.errors.map((e) => e.message).join('\\n'));
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl);
"""
CONFIG = """
import { defineConfig } from '@graphql-hive/gateway';
export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      return { authorization: request.headers.get('authorization') };
    },
  },
});
"""


def install(folder: Path) -> None:
    (folder / "package.json").write_text('{"name": "hive-bench", "private": true, "type": "module"}\n')
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--loglevel=error", *PACKAGES],
                   cwd=folder, check=True, timeout=900, capture_output=True)


async def subgraph_sdls(stack: object, token: str) -> dict[str, tuple[str, str]]:
    out = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for name in ("targets", "assessment", "personnel"):
            url = f"{stack.service_url(name)}/graphql"  # type: ignore[attr-defined]
            sdl = await fetch_sdl(client, url, {"Authorization": f"Bearer {token}"})
            out[name] = (url, sdl.replace("federation/v2.11", "federation/v2.9"))
    return out


def compose_supergraph(folder: Path, sdls: dict[str, tuple[str, str]]) -> Path:
    (folder / "compose.mjs").write_text(COMPOSE)
    pairs = []
    for name, (url, sdl) in sdls.items():
        path = folder / f"{name}.graphql"
        path.write_text(sdl, encoding="utf-8")
        pairs.append(f"{name}={url}={path}")
    out = folder / "supergraph.graphql"
    subprocess.run(["node", "compose.mjs", str(out), *pairs], cwd=folder, check=True, timeout=120)
    return out


def start_hive(folder: Path, supergraph: Path, port: int) -> subprocess.Popen[bytes]:
    (folder / "gateway.config.mjs").write_text(CONFIG)
    log = (folder / "hive.log").open("wb")
    process = subprocess.Popen(
        [str(folder / "node_modules" / ".bin" / "hive-gateway"), "-c", "gateway.config.mjs", "supergraph",
         str(supergraph), "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "NODE_ENV": "production", "FORK": "0"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Hive Gateway exited: {(folder / 'hive.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthcheck", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError("Hive Gateway did not start within 60 s")


def sequential(urls: dict[str, str], token: str, query: str, repeat: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in urls}
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        answers = {name: http.post(url, json={"query": query}).json() for name, url in urls.items()}
        first, *others = answers.values()
        for other in others:
            if other != first:
                raise RuntimeError(f"the gateways answer differently for {query}")
        if "errors" in first:
            raise RuntimeError(f"{query}: {first['errors'][:2]}")
        for _ in range(20):
            for url in urls.values():
                http.post(url, json={"query": query})
        for _ in range(repeat):
            for name, url in urls.items():
                started = time.perf_counter()
                response = http.post(url, json={"query": query})
                response.json()
                samples[name].append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--hive-dir", help="install Hive here and keep it for the next run (default: a "
                                           "temporary folder, removed afterwards)")
    args = parser.parse_args()
    if not (shutil.which("node") and shutil.which("npm")):
        print("skipped: Node.js and npm are needed to install Hive Gateway (apt-get install nodejs npm)")
        return
    folder = Path(args.hive_dir) if args.hive_dir else Path(tempfile.mkdtemp(prefix="mbo-hive-"))
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "node_modules" / ".bin" / "hive-gateway").exists():
        print(f"installing {', '.join(PACKAGES)} into {folder} …", flush=True)
        install(folder)
    bundle, _ = generated_bundle(scale="city", year=YEAR, people_per_unit=10)
    stack = started_stack()
    hive: subprocess.Popen[bytes] | None = None
    try:
        stack.add_user("bench", "TARGET_OFFICE")
        with stack.client("bench") as client:
            for report in import_bundle(client, bundle):
                if not report.ok:
                    raise SystemExit(f"{report.name} refused: {report.message}")
            for step in ("computeAssessment", "publishAssessment"):
                result = client.execute(f"mutation($y: Int!) {{ {step}(year: $y) {{ status }} }}", {"y": YEAR})
                if result.errors:
                    raise SystemExit(f"{step}: {result.errors[0]}")
            token = client.token or ""
        supergraph = compose_supergraph(folder, asyncio.run(subgraph_sdls(stack, token)))
        hive_port = free_port_block(1)
        hive = start_hive(folder, supergraph, hive_port)
        urls = {"ours": f"{stack.url}/graphql", "hive": f"http://127.0.0.1:{hive_port}/graphql"}
        version = subprocess.run(["node", "-e", "console.log(require('@graphql-hive/gateway/package.json')"
                                  ".version)"], cwd=folder, capture_output=True, text=True).stdout.strip()
        rows = []
        for label, query in QUERIES:
            samples = sequential(urls, token, query, args.repeat)
            rates = {name: asyncio.run(throughput(url, token, query, args.seconds)) for name, url in urls.items()}
            p50 = {name: percentile(s, 0.5) for name, s in samples.items()}
            p95 = {name: percentile(s, 0.95) for name, s in samples.items()}
            rows.append([label, f"{p50['ours']:.2f}", f"{p50['hive']:.2f}", f"{p50['ours'] / p50['hive']:.2f}×",
                         f"{p95['ours']:.2f}", f"{p95['hive']:.2f}", f"{rates['ours']:.0f}", f"{rates['hive']:.0f}",
                         f"{rates['ours'] / rates['hive']:.2f}×"])
    finally:
        if hive is not None:
            hive.terminate()
            try:
                hive.wait(timeout=10)
            except subprocess.TimeoutExpired:
                hive.kill()
        stack.stop()
        if not args.hive_dir:
            shutil.rmtree(folder, ignore_errors=True)
    print(table(f"Our gateway against Hive Gateway {version} — {args.repeat} sequential requests each "
                f"(alternating), req/s of 8 clients for {args.seconds:g} s\nmachine: {machine()}",
                ["query", "p50 ours ms", "p50 Hive ms", "p50 ratio", "p95 ours", "p95 Hive", "req/s ours",
                 "req/s Hive", "req/s ratio"], rows))


if __name__ == "__main__":
    sys.exit(main())
