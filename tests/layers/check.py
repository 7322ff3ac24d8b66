#!/usr/bin/env python3
"""The engine's files form layers: no file calls, through any chain, back into itself.

Usage: check.py NM [--io MODULE,...] OBJECTS...   (OBJECTS may also be ';'-separated lists,
as CMake passes $<TARGET_OBJECTS:...>)

Reads each engine object file's defined and undefined global symbols with nm, draws an
edge from file A to file B wherever A uses a symbol B defines, and fails on every cycle
(a strongly connected component of more than one file), naming the files and the symbols
that join them. A file may use itself freely; a dependency on GLib, libyaml and the like
is not an edge. Prints the layers, lowest first, when there is no cycle.

With --io, the files named are the I/O layer (the file helpers): no other file may use
them, and they may use only the public API (symbols starting with embargo_) of the rest.
"""
import collections
import os
import subprocess
import sys


def module(path):
    name = os.path.basename(path)
    for suffix in (".c.o", ".o", ".obj"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def symbols(nm, path):
    out = subprocess.run([nm, path], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDBRCVW":
            defined.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            used.add(f[1])
    return defined, used


def sccs(graph):
    """Tarjan's algorithm, iterative. Returns the components in reverse topological order."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(sorted(comp))
    return out


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    nm, rest, io = argv[1], argv[2:], set()
    if rest[:1] == ["--io"] and len(rest) > 1:
        io, rest = set(rest[1].split(",")), rest[2:]
    paths = [p for arg in rest for p in arg.split(";") if p]
    defined, used, owner = {}, {}, {}
    for p in paths:
        m = module(p)
        if m in defined:
            print(f"error: two objects are both named '{m}'", file=sys.stderr)
            return 2
        defined[m], used[m] = symbols(nm, p)
        for s in defined[m]:
            owner.setdefault(s, m)
    graph = collections.defaultdict(set)
    via = collections.defaultdict(set)
    for m in defined:
        graph[m]
        for s in used[m]:
            o = owner.get(s)
            if o and o != m:
                graph[m].add(o)
                via[(m, o)].add(s)
    bad = 0
    for m in sorted(defined):
        for o in sorted(graph[m]):
            if o in io and m not in io:
                print(f"error: {m} (the core) uses the file helper {o}: "
                      f"{' '.join(sorted(via[(m, o)]))}")
                bad += 1
            if m in io and o not in io:
                private = sorted(s for s in via[(m, o)] if not s.startswith("embargo_"))
                if private:
                    print(f"error: the file helper {m} uses {o}'s internals, not the public "
                          f"API: {' '.join(private)}")
                    bad += 1
    missing = io - set(defined)
    if missing:
        print(f"error: no object for the file helpers {', '.join(sorted(missing))}")
        bad += 1
    components = sccs(graph)
    cycles = [c for c in components if len(c) > 1]
    for c in cycles:
        print(f"error: these engine files call each other in a cycle: {', '.join(c)}")
        for a in c:
            for b in sorted(graph[a] & set(c)):
                print(f"  {a} -> {b}: {' '.join(sorted(via[(a, b)]))}")
    if cycles or bad:
        return 1
    # Layers: a file sits one above the highest file it uses.
    level = {}
    for (m,) in components:  # reverse topological: dependencies first
        level[m] = 1 + max((level[d] for d in graph[m]), default=-1)
    for n in range(max(level.values()) + 1):
        print(f"layer {n}: {' '.join(sorted(m for m in level if level[m] == n))}")
    print(f"{len(defined)} files, {sum(len(v) for v in graph.values())} dependencies, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
