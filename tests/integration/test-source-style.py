#!/usr/bin/env python3
"""The house rules a machine can check on every tracked C source and
header (STYLE.md; .editorconfig says the same to editors):

- one line width, 100 columns, except a line that holds nothing but a
  string literal (test data such as a long SIP header line, which reads
  better whole);
- spaces, no tab characters, no trailing white space;
- a final newline.

The tree has no clang-format configuration: clang-format 14 cannot keep
the column-aligned tables and trailing comments the code uses, so the
layout is reviewed, and only these rules are enforced."""
import re
import subprocess

from carillon import TOP, Tap

WIDTH = 100
LITERAL_ONLY = re.compile(r'^\s*"([^"\\]|\\.)*"[\s,;)]*$')

t = Tap()
files = subprocess.run(["git", "ls-files", "--", "*.c", "*.h"], cwd=TOP, capture_output=True,
                       text=True, check=True).stdout.split()
t.ok(len(files) > 100, f"{len(files)} tracked C sources and headers", files[:5])
wide, tabs, trailing, no_newline = [], [], [], []
for name in files:
    with open(f"{TOP}/{name}", encoding="utf-8", errors="replace") as f:
        text = f.read()
    if text and not text.endswith("\n"):
        no_newline.append(name)
    for n, line in enumerate(text.split("\n"), 1):
        where = f"{name}:{n}"
        if len(line) > WIDTH and not LITERAL_ONLY.match(line):
            wide.append(f"{where} ({len(line)})")
        if "\t" in line:
            tabs.append(where)
        if line != line.rstrip():
            trailing.append(where)
t.ok(not wide, f"no line over {WIDTH} columns (string literals alone excepted)", wide[:20])
t.ok(not tabs, "no tab characters", tabs[:20])
t.ok(not trailing, "no trailing white space", trailing[:20])
t.ok(not no_newline, "every file ends with a newline", no_newline)
t.done()
