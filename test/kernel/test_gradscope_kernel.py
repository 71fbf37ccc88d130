"""The Jupyter protocol conformance suite (jupyter_kernel_test) run against the `gradscope` kernel.

    JUPYTER_PATH=.venv/share/jupyter /usr/bin/python3 -m unittest -v test/kernel/test_gradscope_kernel.py

jupyter_kernel_test comes from Debian (`apt-get install python3-jupyter-kernel-test`), so this runs with
Debian's python3, which finds the kernelspec through JUPYTER_PATH. GRADSCOPE_KERNEL_NAME selects another
kernelspec (default: gradscope).
"""
import os
import unittest

import jupyter_kernel_test


class GradscopeKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("GRADSCOPE_KERNEL_NAME", "gradscope")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The first cell builds the TypeScript compiler, the first figure loads the library and its renderer
        # (seconds of CPU, many more on a loaded machine): do both before the tests, whose replies must come
        # within the suite's 15 s.
        for code in ("0", "({ data: [{ type: 'scatter', x: [1], y: [1] }], layout: {} })"):
            msg_id = cls.kc.execute(code, store_history=False)
            while cls.kc.get_shell_msg(timeout=300)["parent_header"].get("msg_id") != msg_id:
                pass

    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "const knownName = 1;\nknownNa", "matches": {"knownName"}},
    ]

    complete_code_samples = [
        "1",
        'console.log("hello")',
        "const x = [1, 2, 3];",
        "function f(a: number) {\n  return a;\n}",
        "let y = 1;\n\n",
    ]
    incomplete_code_samples = [
        "function f(a: number) {",
        "const xs = [1, 2,",
        "if (true) {\n  console.log(1);",
        "const s = `unterminated",
    ]
    invalid_code_samples = [
        "let x = ;",
        "1 +* 2",
        "const x = 1;\n)",
        "function () {}",
        "@@@",
        "x @@ y",
    ]

    # `?name` (or `name?`) pages the name's type and documentation, as IPython does.
    code_page_something = "?Math.max"

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"ab" + "cd"', "result": "'abcd'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": "({ a: 1, b: 'two' })", "result": "{ a: 1, b: 'two' }"},
        {
            "code": "({ data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: { title: { text: 'fig' } } })",
            "mime": "application/vnd.plotly.v1+json",
        },
    ]

    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<b>hello</b>")', "mime": "text/html"},
        {"code": 'import * as tslab from "tslab";\ntslab.display.markdown("*hello*")', "mime": "text/markdown"},
        {
            "code": (
                'import { lastWriteDisplayData } from "tslab/dist/jupyter";\n'
                'lastWriteDisplayData({ data: { "text/plain": "a bundle", "text/html": "<i>a bundle</i>" },'
                " metadata: {}, transient: {} }, false);"
            ),
            "mime": "text/html",
        },
    ]

    # Must match exactly one of the codes in code_execute_result.
    code_history_pattern = "1 +*"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = (
        'import { clearOutput } from "gradscope/advanced";\n'
        'console.log("soon gone");\n'
        "clearOutput();"
    )


if __name__ == "__main__":
    unittest.main()
