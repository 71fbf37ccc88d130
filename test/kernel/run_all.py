"""Runs a notebook through the `gradscope` kernel with nbclient, errors allowed (as `Run All` after a typo,
or `jupyter nbconvert --execute --allow-errors`), and prints every code cell's outputs as JSON.

    python test/kernel/run_all.py cells.json      # cells.json: a list of code cell sources
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient


def main():
    with open(sys.argv[1]) as f:
        sources = json.load(f)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "gradscope", "display_name": "TypeScript (gradscope)", "language": "typescript"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    client = NotebookClient(
        nb,
        kernel_name=os.environ.get("GRADSCOPE_KERNEL_NAME", "gradscope"),
        allow_errors=True,
        timeout=120,
        resources={"metadata": {"path": os.getcwd()}},
    )
    client.execute()
    json.dump([{"execution_count": c.execution_count, "outputs": c.outputs} for c in nb.cells], sys.stdout)


if __name__ == "__main__":
    main()
