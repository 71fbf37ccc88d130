"""Execute one notebook through the real `gradscope` kernel with nbclient, in a fresh kernel.

usage: python run_notebook.py NOTEBOOK OUTPUT [--timeout SECONDS] [--allow-errors]

Writes the executed notebook to OUTPUT and prints one JSON line describing every cell:
its index, its first source line, its output types, and any error (name, message), plus
the count of chart outputs (display_data / execute_result carrying application/vnd.plotly.v1+json).
Exit status 0 when the notebook ran without an error output or a timeout, 1 otherwise.
"""
import argparse
import json
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

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
    args = parser.parse_args()

    nb = nbformat.read(args.notebook, as_version=4)
    client = NotebookClient(
        nb,
        timeout=args.timeout,
        kernel_name=args.kernel,
        allow_errors=args.allow_errors,
        resources={"metadata": {"path": str(__import__("pathlib").Path(args.notebook).resolve().parent)}},
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
                      "cells": cells, "failure": failure, "failed_cell": failed_cell}))
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
