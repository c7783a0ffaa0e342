"""How Consult's top-level folders depend on each other, in figures anyone can rerun.

Every module under ``consult/`` and ``worker/``, and ``config.py``, belongs to one unit:
``consult/<name>/...`` and ``consult/<name>.py`` to ``consult.<name>``, ``consult/__init__.py``
to ``consult`` (the app factory), ``worker/...`` to ``worker`` and ``config.py`` to ``config``.
Each import of one of our modules, wherever it sits (in a function, under ``if TYPE_CHECKING``),
is a file-to-file edge, counted once per (importing file, imported file); edges inside a unit
are left out. The script prints each unit's imports, the pairs of units importing each other,
the imports running upward, the largest modules and functions, and the imports of our own
modules made inside functions (other than in the app factory, ``consult/__init__.py``, and
``consult/cli.py``).

Imports running upward: a layering is a total order of the units, each standing above those it
imports; an import from a lower unit to a higher one runs upward. The figure is the fewest
upward imports over all layerings, computed exactly: units in different strongly connected
components never need to point upward, and within each component a dynamic programme over
subsets finds the order with the fewest (a minimum feedback arc set).

Run it with ``python -m bench.layering [ROOT]`` (ROOT defaults to this repository). To measure
an older commit: ``git worktree add /tmp/before <commit> && python -m bench.layering /tmp/before``.
"""

import argparse
import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

OURS = ("consult", "worker", "config")
LARGEST_SUBSETS = 22  # the search walks 2**n subsets: past this, plain Python takes too long


@dataclass(frozen=True, order=True)
class Edge:
    source: str  # the importing file, relative to the root
    target: str  # the imported module's file


@dataclass
class Pair:
    units: tuple[str, str]
    counts: tuple[int, int]  # imports from the first unit to the second, and back
    lighter_files: list[str]  # the importing files of the direction with fewer imports


@dataclass
class Layering:
    units: dict[str, list[str]]  # unit -> its files
    edges: list[Edge]  # between units
    weights: dict[tuple[str, str], int]  # (importing unit, imported unit) -> file-to-file edges
    order: list[str]  # the units, top to bottom, in a layering with the fewest upward imports
    upward: list[Edge]
    mutual_pairs: list[Pair]
    largest_modules: list[tuple[str, int]]  # the five largest (path, lines), largest first
    largest_functions: list[tuple[str, int]]  # (path:qualname, lines from def to its end)
    function_level_imports: list[str]  # path:line in function: the import
    largest_module = property(lambda self: self.largest_modules[0])
    largest_function = property(lambda self: self.largest_functions[0])


def unit_of(path):
    parts = Path(path).parts
    if parts[0] == "consult" and len(parts) > 2:
        return f"consult.{parts[1]}"
    if parts[0] == "consult":
        return "consult" if parts[1] == "__init__.py" else f"consult.{Path(parts[1]).stem}"
    return parts[0] if parts[0] == "worker" else "config"


def module_name(path):
    parts = list(Path(path).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class Reader(ast.NodeVisitor):
    """One module's imports (with the outermost function each sits in, if any) and functions."""

    def __init__(self):
        self.scope, self.function = [], None
        self.imports, self.functions = [], []

    def visit_ClassDef(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def visit_FunctionDef(self, node):
        self.scope.append(node.name)
        qualname, outer = ".".join(self.scope), self.function
        self.functions.append((qualname, node.end_lineno - node.lineno + 1))
        self.function = outer or qualname
        self.generic_visit(node)
        self.scope.pop()
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node):
        self.imports.append((node, self.function))

    visit_ImportFrom = visit_Import


def imported_modules(node, path, modules):
    """The names of our modules an import statement in the file ``path`` brings in."""

    def existing(name):  # the longest prefix of ``name`` that is one of our modules
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:  # from the importer's package (an __init__.py is its own) upward
            up = node.level - path.endswith("__init__.py")
            package = module_name(path).rsplit(".", up)[0]
            base = f"{package}.{base}" if base else package
        names = [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"] or [base]
    names = [existing(name) for name in names if name.split(".")[0] in OURS]
    return [name for name in names if name]


def best_order(nodes, weight):
    """The order of ``nodes``, top to bottom, with the least weight of edges pointing up."""
    n = len(nodes)
    if n > LARGEST_SUBSETS:
        raise SystemExit(f"{n} units import each other: exact search stops at {LARGEST_SUBSETS}")
    half = n // 2

    def into(v, shift, bits):  # weight of edges from each subset of nodes[shift:shift+bits] to v
        table = [0] * (1 << bits)
        for subset in range(1, 1 << bits):
            low = (subset & -subset).bit_length() - 1
            table[subset] = table[subset & (subset - 1)] + weight.get((nodes[shift + low], v), 0)
        return table

    low_in = [into(v, 0, half) for v in nodes]
    high_in = [into(v, half, n - half) for v in nodes]
    # cost[s]: fewest upward weight with the units in s placed, in some order, at the bottom
    cost, top = [0] + [None] * ((1 << n) - 1), [0] * (1 << n)
    for placed in range(1 << n):
        for v in range(n):
            if placed >> v & 1:
                continue
            extra = low_in[v][placed & ((1 << half) - 1)] + high_in[v][placed >> half]
            grown = placed | 1 << v
            if cost[grown] is None or cost[placed] + extra < cost[grown]:
                cost[grown], top[grown] = cost[placed] + extra, v
    order, placed = [], (1 << n) - 1
    while placed:
        order.append(nodes[top[placed]])
        placed &= ~(1 << top[placed])
    return order


def components(graph):
    """Tarjan's strongly connected components, iteratively; sinks come first."""
    index, low, stack, work, found = {}, {}, [], [], []

    def enter(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        work.append((node, iter(sorted(graph[node]))))

    for start in sorted(graph):
        if start in index:
            continue
        enter(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    enter(child)
                    break
                if child in stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while not component or component[-1] != node:
                        component.append(stack.pop())
                    found.append(sorted(component))
    return found


def measure(root):
    root = Path(root)
    files = sorted(
        path.relative_to(root).as_posix()
        for path in itertools.chain(root.glob("consult/**/*.py"), root.glob("worker/**/*.py"))
    ) + (["config.py"] if (root / "config.py").exists() else [])
    modules = {module_name(path): path for path in files}
    units, edges, functions, sizes, late = {}, set(), [], [], []
    for path in files:
        units.setdefault(unit_of(path), []).append(path)
        text = (root / path).read_text(encoding="utf-8")
        sizes.append((path, len(text.splitlines())))
        reader = Reader()
        reader.visit(ast.parse(text, filename=path))
        functions += [(f"{path}:{name}", lines) for name, lines in reader.functions]
        for node, function in reader.imports:
            targets = imported_modules(node, path, modules)
            edges.update(Edge(path, modules[name]) for name in targets)
            # The app factory and the CLI import a feature when called (as ruff's
            # per-file ignores of PLC0415 say).
            exempt = path in ("consult/cli.py", "consult/__init__.py")
            if targets and function and not exempt:
                late.append(f"{path}:{node.lineno} in {function}: {ast.unparse(node)}")
    edges = sorted(edge for edge in edges if unit_of(edge.source) != unit_of(edge.target))
    weight, graph = {}, {unit: set() for unit in units}
    for edge in edges:
        pair = (unit_of(edge.source), unit_of(edge.target))
        weight[pair] = weight.get(pair, 0) + 1
        graph[pair[0]].add(pair[1])
    order = [u for part in reversed(components(graph)) for u in best_order(part, weight)]
    rank = {unit: place for place, unit in enumerate(order)}
    upward = [e for e in edges if rank[unit_of(e.target)] < rank[unit_of(e.source)]]
    pairs = []
    for a, b in sorted(pair for pair in weight if pair[0] < pair[1] and pair[::-1] in weight):
        lighter = (b, a) if weight[(b, a)] <= weight[(a, b)] else (a, b)
        sources = {e.source for e in edges if (unit_of(e.source), unit_of(e.target)) == lighter}
        pairs.append(Pair((a, b), (weight[(a, b)], weight[(b, a)]), sorted(sources)))
    sizes.sort(key=lambda item: (-item[1], item[0]))
    functions.sort(key=lambda item: (-item[1], item[0]))
    return Layering(units, edges, weight, order, upward, pairs, sizes[:5], functions[:5], late)


def report(result):
    yield f"Units: {len(result.units)}, {sum(map(len, result.units.values()))} files"
    for unit, files in sorted(result.units.items()):
        imports = [f"{b} {n}" for (a, b), n in sorted(result.weights.items()) if a == unit]
        yield f"  {unit} ({len(files)} files) imports {', '.join(imports) or 'nothing'}"
    yield f"Imports between units (file to file): {len(result.edges)}"
    yield f"Mutual pairs: {len(result.mutual_pairs)}"
    for pair in result.mutual_pairs:
        (a, b), (there, back) = pair.units, pair.counts
        yield f"  {a} <-> {b}: {there} / {back}; lighter from {', '.join(pair.lighter_files)}"
    yield f"Imports running upward (fewest over all layerings): {len(result.upward)}"
    yield f"  layering, top to bottom: {', '.join(result.order)}"
    yield from (f"  {edge.source} -> {edge.target}" for edge in result.upward)
    yield "Largest module: {1} lines, {0}".format(*result.largest_module)
    yield from (f"  {lines} {path}" for path, lines in result.largest_modules)
    yield "Largest function: {1} lines, {0}".format(*result.largest_function)
    yield from (f"  {lines} {name}" for name, lines in result.largest_functions)
    yield f"Function-level imports of Consult's own modules: {len(result.function_level_imports)}"
    yield from (f"  {line}" for line in result.function_level_imports)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=Path(__file__).resolve().parents[1])
    for line in report(measure(parser.parse_args(argv).root)):
        print(line)


if __name__ == "__main__":
    main()
