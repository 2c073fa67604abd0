#!/usr/bin/env python3
"""The layer rule for every file under src/, headers included (the build enforces it for the
files each layer compiles; a header no .cpp of its own layer includes would slip past that).

A file in src/<layer>/ may include "<other>/..." only when <other> is <layer> or below it in
LAYERS. Prints each violation as file:line and exits 1 if there is any."""
import pathlib
import re
import sys

# Bottom to top; keep in step with FIRSTMILE_LAYERS in CMakeLists.txt.
LAYERS = ["core", "media", "format", "output", "transcode", "control", "storage", "protocol", "app"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main():
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    rank = {name: i for i, name in enumerate(LAYERS)}
    bad = []
    checked = 0
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".hpp", ".cpp", ".h"):
            continue
        layer = path.relative_to(src).parts[0]
        if layer not in rank:
            bad.append(f"{path}: folder '{layer}' is in no layer (add it to LAYERS and CMakeLists.txt)")
            continue
        checked += 1
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if m and m.group(1) in rank and rank[m.group(1)] > rank[layer]:
                bad.append(f"{path}:{n}: {layer}/ includes {m.group(1)}/ (a layer above it)")
    for b in bad:
        print(b)
    print(f"layers: {checked} files checked, {len(bad)} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
