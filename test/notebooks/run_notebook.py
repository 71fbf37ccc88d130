"""Execute one notebook through the real `gradscope` kernel with nbclient, in a fresh kernel.

usage: python run_notebook.py NOTEBOOK OUTPUT [--timeout SECONDS] [--allow-errors] [--appended N --full-output PATH] [--cwd DIR]

Writes the executed notebook to OUTPUT and prints one JSON line describing every cell:
its index, its first source line, its output types, and any error (name, message), plus
the count of chart outputs (display_data / execute_result carrying application/vnd.plotly.v1+json).
Exit status 0 when the notebook ran without an error output or a timeout, 1 otherwise.

With --appended N, the last N cells of NOTEBOOK were appended to a committed notebook (the exercise test's
solutions and checks, see test/exercises/exercise-groups.ts): they run in the same kernel after every
committed cell, an error in them is recorded but never stops the run nor counts as a failure, OUTPUT gets
the committed cells only (exactly as a run of the committed notebook leaves them) and PATH gets them all.
"""
import argparse
import json
import sys
import time

# jsonschema (which nbformat imports) checks the "iri" string format with rfc3987_syntax when that is installed
# (JupyterLab's dependencies bring it), and that module builds a Lark parser of all of RFC 3987 as it is imported:
# 2.5-3 s of CPU, most of this script's start-up, before the kernel can even start. The notebook schema names no
# string format and nbformat validates without a format checker, so it is never used here: None in sys.modules
# makes its import fail, which jsonschema expects (an optional checker).
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError  # noqa: E402

PLOTLY = "application/vnd.plotly.v1+json"


def describe(nb):
    cells = []
    charts = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        info = {"index": index, "first_line": (cell.source.splitlines() or [""])[0][:80], "outputs": []}
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            info["outputs"].append(kind)
            if kind in ("display_data", "execute_result", "update_display_data") and PLOTLY in output.get("data", {}):
                charts += 1
            if kind == "error":
                info["error"] = {"ename": output.get("ename"), "evalue": output.get("evalue")}
            if kind == "stream" and output.get("name") == "stderr":
                info.setdefault("stderr", "")
                info["stderr"] += output.get("text", "")
        cells.append(info)
    return cells, charts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    parser.add_argument("output")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--allow-errors", action="store_true")
    parser.add_argument("--kernel", default="gradscope")
    parser.add_argument("--appended", type=int, default=0)
    parser.add_argument("--full-output")
    parser.add_argument("--cwd", help="the kernel's working folder (default: the notebook's folder)")
    args = parser.parse_args()
    if args.appended and not args.full_output:
        parser.error("--appended needs --full-output")

    nb = nbformat.read(args.notebook, as_version=4)
    committed_count = len(nb.cells) - args.appended
    for cell in nb.cells[committed_count:]:
        tags = cell.metadata.setdefault("tags", [])
        if "raises-exception" not in tags:
            tags.append("raises-exception")
    client = NotebookClient(
        nb,
        timeout=args.timeout,
        kernel_name=args.kernel,
        allow_errors=args.allow_errors,
        resources={"metadata": {"path": args.cwd or str(__import__("pathlib").Path(args.notebook).resolve().parent)}},
    )
    started = time.time()
    failure = None
    try:
        client.execute()
    except CellTimeoutError as error:
        failure = {"kind": "timeout", "message": str(error).splitlines()[0] if str(error) else "timeout"}
    except CellExecutionError as error:
        failure = {"kind": "error", "message": str(error)[-2000:]}
    except DeadKernelError as error:
        failure = {"kind": "dead-kernel", "message": str(error)}
    seconds = time.time() - started
    appended_failure = None
    if args.appended:
        nbformat.write(nb, args.full_output)
        nb.cells = nb.cells[:committed_count]
        # A timeout or a dead kernel after every committed cell ran belongs to the appended cells.
        if failure is not None and all(c.get("execution_count") is not None for c in nb.cells if c.cell_type == "code"):
            appended_failure, failure = failure, None
    nbformat.write(nb, args.output)
    cells, charts = describe(nb)
    errors = [c for c in cells if "error" in c]
    if failure is None and errors and not args.allow_errors:
        failure = {"kind": "error", "message": json.dumps(errors[0])}
    # Which cell was running when it failed: the last code cell that has no execution_count.
    failed_cell = None
    if failure is not None:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and (cell.get("execution_count") is None or any(
                    o.get("output_type") == "error" for o in cell.get("outputs", []))):
                failed_cell = {"index": index, "first_line": (cell.source.splitlines() or [""])[0][:80]}
                break
    print(json.dumps({"notebook": args.notebook, "seconds": round(seconds, 1), "charts": charts,
                      "cells": cells, "failure": failure, "failed_cell": failed_cell,
                      "appended_failure": appended_failure}))
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
