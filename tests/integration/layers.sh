#!/usr/bin/env bash
# layers.sh - the module graph of faxgwd, its extensions and faxgw-agent is
# one-way, computed from what was built and what the sources include:
#  - a module is a .c file; X.h beside X.c belongs to the same module;
#  - A uses B when A's object refers to a global symbol defined in B's
#    object (nm -u / nm --defined-only on $FAXGW_BUILD/obj), or when a
#    file of A includes a header of B (#include "...", followed through
#    headers that belong to no module);
#  - no cycle between modules under gateway/ (all of it) and agent/:
#    each one found is printed as "a.c -> b.c -> a.c";
#  - no object under gateway/ outside gateway/lib/ uses a symbol defined
#    in gateway/lib/ (the daemon never calls into its client library);
#  - no object outside tests/ uses a symbol defined under tests/.
# Exits 0 (pass), 1 (fail) or 77 (skip: nothing built).  LAYERS_VERBOSE=1
# prints every edge with its reason.
. "$(dirname "$0")/lib.sh"

OBJ=$B/obj
[ -d "$OBJ/gateway" ] || skip "no objects in $OBJ (make tests-build first)"
command -v nm >/dev/null 2>&1 || skip "nm not installed (binutils)"

# Only objects whose source still exists (a renamed file leaves its old
# object behind in the build tree).
(cd "$OBJ" && find . -name '*.o' | sed 's|^\./||' | sort) | while read -r o; do
	src=${o%.o}.c
	[ -f "$TOP/$src" ] || continue
	nm --defined-only -g "$OBJ/$o" 2>/dev/null | awk -v s="$src" 'NF == 3 { print "D", s, $3, $2 }'
	nm -u "$OBJ/$o" 2>/dev/null | awk -v s="$src" '{ print "U", s, $NF, "U" }'
done > "$WORK/symbols"
[ -s "$WORK/symbols" ] || fail "nm found no symbols under $OBJ"

"$PY" - "$TOP" "$WORK/symbols" <<'EOF'
import os, re, sys
from collections import defaultdict

top, symfile = sys.argv[1], sys.argv[2]
# Where quoted includes are looked up after the including file's own
# directory: the union of the Makefile's -I directories.
INCLUDE_DIRS = ["gateway/include", "gateway/internal", "gateway", "gateway/media",
                "gateway/proto", "gateway/scan", "gateway/lib", "gateway/ext",
                "agent", "tests/unit", "tools/common"]

def in_scope(path):
    return path.startswith("gateway/") or path.startswith("agent/")

defs = defaultdict(set)   # symbol -> modules defining it
uses = defaultdict(set)   # module -> undefined symbols
is_code = set()           # symbols defined as functions
for line in open(symfile):
    kind, mod, sym, t = line.split()
    if kind == "D":
        defs[sym].add(mod)
        if t in "TtWi":
            is_code.add(sym)
    else:
        uses[mod].add(sym)

edges = defaultdict(dict) # a -> {b: why}
problems = []

for mod, syms in sorted(uses.items()):
    for sym in sorted(syms):
        owners = defs.get(sym, set()) - {mod}
        if len(owners) > 1:
            # Several definitions (each extension's faxgw_routing_init):
            # the one in the same directory is the one linked with it.
            same = {o for o in owners if os.path.dirname(o) == os.path.dirname(mod)}
            owners = same or owners
        for owner in sorted(owners):
            if in_scope(mod) and in_scope(owner):
                edges[mod].setdefault(owner, ("calls %s()" if sym in is_code
                                              else "uses %s") % sym)
            if (mod.startswith("gateway/") and not mod.startswith("gateway/lib/")
                    and owner.startswith("gateway/lib/")):
                problems.append("%s uses %s from %s (the client library)" % (mod, sym, owner))
            if not mod.startswith("tests/") and owner.startswith("tests/"):
                problems.append("%s uses %s from %s (test code)" % (mod, sym, owner))

# Header includes.
inc_re = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
def resolve(name, frm):
    for d in [os.path.dirname(frm)] + INCLUDE_DIRS:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(top, p)):
            return p
    return None

def module_of(path):
    """The module a .c/.h belongs to, or None for a header with no .c."""
    c = os.path.splitext(path)[0] + ".c"
    return c if os.path.isfile(os.path.join(top, c)) else None

def includes(path):
    out = []
    try:
        with open(os.path.join(top, path), errors="replace") as f:
            for line in f:
                m = inc_re.match(line)
                if m:
                    r = resolve(m.group(1), path)
                    if r is not None:
                        out.append(r)
    except OSError:
        pass
    return out

def reached_modules(path, seen):
    """Modules reached from a file's includes, through module-less headers."""
    found = []
    for h in includes(path):
        if h in seen:
            continue
        seen.add(h)
        m = module_of(h)
        if m is not None:
            found.append((m, h))
        else:
            found.extend(reached_modules(h, seen))
    return found

files = []
for d in ("gateway", "agent"):
    for root, _, names in os.walk(os.path.join(top, d)):
        for n in names:
            if n.endswith((".c", ".h")):
                files.append(os.path.relpath(os.path.join(root, n), top))
for f in sorted(files):
    mod = module_of(f)
    if mod is None:
        continue
    for target, hdr in reached_modules(f, {f}):
        if target != mod and in_scope(target):
            edges[mod].setdefault(target, "includes %s" % hdr)

# Cycles: strongly connected components (Tarjan), one cycle printed each.
index, low, onstack, stack, sccs = {}, {}, set(), [], []
def strong(v):
    index[v] = low[v] = len(index)
    stack.append(v); onstack.add(v)
    for w in sorted(edges.get(v, {})):
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in onstack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); onstack.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))
sys.setrecursionlimit(10000)
nodes = sorted(set(edges) | {w for v in edges for w in edges[v]})
for v in nodes:
    if v not in index:
        strong(v)

def cycle_in(comp):
    members, start = set(comp), comp[0]
    prev, todo = {start: None}, [start]
    while todo:                        # breadth first back to start
        v = todo.pop(0)
        for w in sorted(edges[v]):
            if w not in members:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v; todo.append(w)
    return comp

def show(path):
    return "\n".join("    %s -> %s: %s" % (a, b, edges[a][b]) for a, b in zip(path, path[1:]))

nedges = sum(len(v) for v in edges.values())
if os.environ.get("LAYERS_VERBOSE"):
    for a in sorted(edges):
        for b in sorted(edges[a]):
            print("edge: %s -> %s: %s" % (a, b, edges[a][b]))
print("%d modules, %d edges between them" % (len(nodes), nedges))
for comp in sccs:
    path = cycle_in(comp)
    print("cycle: %s" % " -> ".join(path))
    print(show(path))
    if len(comp) > len(path) - 1:
        print("    (one strongly connected group: %s)" % ", ".join(comp))
for p in sorted(set(problems)):
    print("layer: %s" % p)
if sccs or problems:
    print("FAIL: %d cycle(s), %d layer violation(s)" % (len(sccs), len(set(problems))))
    sys.exit(1)
print("ok - no cycle between modules of gateway/ and agent/; no client library or test code used below")
EOF
