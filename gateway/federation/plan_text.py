"""A plan printed as Apollo prints a query plan: QueryPlan, Sequence, Parallel, Flatten and Fetch nodes.

One deviation: our entity step sends every object of one subgraph at one depth in a single `_entities`
request, even when they come from several paths; such a fetch prints as `Flatten(paths: ["a.@", "b"])`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import FieldNode, InlineFragmentNode, NamedTypeNode, NameNode, SelectionSetNode, parse, print_ast

if TYPE_CHECKING:
    from gateway.federation.planner import EntityFetch, Phase, Plan, RootFetch

Lines = list[str]


def plan_text(plan: Plan) -> str:
    items = [item for phase in plan.phases for item in _phase_items(phase)]
    if len(items) > 1:
        items = [_block("Sequence", items)]
    return "\n".join(_block("QueryPlan", items))


def _phase_items(phase: Phase) -> list[Lines]:
    items = [_group([_root(fetch) for fetch in phase.roots])]
    items += [_group([_entities(fetch) for fetch in step]) for step in phase.steps]
    return items


def _group(children: list[Lines]) -> Lines:
    return children[0] if len(children) == 1 else _block("Parallel", children)


def _block(name: str, children: list[Lines]) -> Lines:
    lines = [f"{name} {{"]
    for child in children:
        lines += ["  " + line for line in child[:-1]]
        lines.append(f"  {child[-1]},")
    lines.append("}")
    return lines


def _root(fetch: RootFetch) -> Lines:
    operation = parse(fetch.operation).definitions[0]
    body = print_ast(operation.selection_set).splitlines()  # type: ignore[attr-defined]
    return [f'Fetch(service: "{fetch.subgraph}") {{', *("  " + line for line in body), "}"]


def _entities(fetch: EntityFetch) -> Lines:
    requires: list[str] = []
    wanted: list[str] = []
    for node in fetch.nodes:
        keys = tuple(FieldNode(alias=None, name=NameNode(value=k.name), arguments=(), directives=(),
                               selection_set=k.selection) for k in node.key_fields)
        typename = FieldNode(alias=None, name=NameNode(value="__typename"), arguments=(), directives=())
        for selections, out in (((typename, *keys), requires), (tuple(node.selections), wanted)):
            fragment = print_ast(InlineFragmentNode(type_condition=NamedTypeNode(name=NameNode(value=node.type_name)),
                                                    directives=(),
                                                    selection_set=SelectionSetNode(selections=selections)))
            if fragment not in out:
                out.append(fragment)
    paths = list(dict.fromkeys(node.flatten_path for node in fetch.nodes))
    where = f'path: "{paths[0]}"' if len(paths) == 1 else "paths: [" + ", ".join(f'"{p}"' for p in paths) + "]"
    body = [*_braced(requires)[:-1], "} =>", *_braced(wanted)]
    fetch_lines = [f'Fetch(service: "{fetch.subgraph}") {{', *("  " + line for line in body), "}"]
    return [f"Flatten({where}) {{", f"  {fetch_lines[0]}", *("  " + line for line in fetch_lines[1:-1]),
            f"  {fetch_lines[-1]},", "}"]


def _braced(fragments: list[str]) -> Lines:
    return ["{", *("  " + line for fragment in fragments for line in fragment.splitlines()), "}"]
