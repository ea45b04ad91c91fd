"""The subgraphs compose unchanged under Apollo's standard Federation v2 composition (@apollo/composition),
and the API our gateway composes has the same types and fields as the standard supergraph."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from graphql import GraphQLObjectType, build_schema

from gateway.federation import SubgraphSpec, compose

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "compose"
SERVICES = ("targets", "assessment", "personnel")


@pytest.fixture(scope="module")
def sdl_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sdl")
    files = {}
    for service in SERVICES:
        done = subprocess.run([sys.executable, "-m", "mbo.cli", "sdl", service], capture_output=True, text=True,
                              check=True)
        files[service] = folder / f"{service}.graphql"
        files[service].write_text(done.stdout, encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def composer() -> Path:
    assert shutil.which("node") and shutil.which("npm"), "Node.js and npm are needed for the standard composition"
    if not (TOOL / "node_modules" / "@apollo" / "composition").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=TOOL, check=True, timeout=600)
    return TOOL / "compose.mjs"


def standard_supergraph(composer: Path, sdl_files: dict[str, Path]) -> str:
    done = subprocess.run(["node", str(composer), *(f"{name}={path}" for name, path in sdl_files.items())],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def object_fields(schema_sdl: str) -> dict[str, set[str]]:
    schema = build_schema(schema_sdl, assume_valid=True)
    return {
        name: {f for f in t.fields if not f.startswith("_")}
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith(("__", "join__", "link__", "_"))
    }


def test_subgraphs_compose_under_the_standard_composition(composer: Path, sdl_files: dict[str, Path]) -> None:
    supergraph = standard_supergraph(composer, sdl_files)
    assert "@join__graph(name: \"targets\"" in supergraph
    assert "type Unit" in supergraph


def test_our_gateway_exposes_the_same_api_as_the_standard_supergraph(composer: Path,
                                                                      sdl_files: dict[str, Path]) -> None:
    from graphql import print_schema

    standard = object_fields(standard_supergraph(composer, sdl_files))
    ours = compose([SubgraphSpec(name, f"http://{name}/graphql", path.read_text(encoding="utf-8"))
                    for name, path in sdl_files.items()])
    mine = object_fields(print_schema(ours.api_schema))
    assert mine == standard
