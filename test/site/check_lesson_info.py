"""The home page's reading of a lesson's markdown (course-site/lesson_info.py), on the shapes lessons use.

Run by test/site/lesson-info.test.ts; prints one JSON line per case: what was read, and what was expected.
"""
import json
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "course-site"))
from lesson_info import lesson_info  # noqa: E402


def notebook(*markdown):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(m) for m in markdown]
    return nb


CASES = [
    (
        "heading, introducing sentence, loose numbered list in the next cell, time in a table",
        notebook(
            "# 03 · Weight initialisation: Xavier and He\n\nSome claim.",
            "## Learning objectives\n\nAfter this lesson you can:\n\n1. explain *why*\n\n2. measure `x`\n   across layers\n\n"
            "Next paragraph.\n\n| Prerequisites | lesson 01 |\n|---|---|\n| Estimated time | 40–50 min |",
        ),
        {"title": "Weight initialisation: Xavier and He", "objectives": ["explain *why*", "measure `x` across layers"],
         "time": "40–50 min", "minutes": 50},
    ),
    (
        "bold lead-in, bullet list, time in hours",
        notebook("# Title\n\n**Learning objectives.** After this lesson you can\n- a\n- b\n\n**Estimated time:** about 1 hour"),
        {"title": "Title", "objectives": ["a", "b"], "time": "about 1 hour", "minutes": 60},
    ),
    (
        "nothing stated: the first paragraph instead",
        notebook("# Only a title\n\nFirst para\ncontinues here.\n\n## Next\n\n- not an objective"),
        {"title": "Only a title", "objectives": [], "time": None, "minutes": None, "summary": "First para continues here."},
    ),
]

for name, nb, expected in CASES:
    got = lesson_info(nb, "fallback")
    print(json.dumps({"case": name, "got": {k: got[k] for k in expected}, "expected": expected}, ensure_ascii=False))
