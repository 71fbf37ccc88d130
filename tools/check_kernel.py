"""Start the `gradscope` kernel the way Jupyter does (from its kernelspec) and run one cell.

Prints one JSON object: {"ok", "output", "error"}. Startup time and memory are measured by kernel-stats.js.
"""
import json
import sys

from jupyter_client.manager import KernelManager


def main():
    code = sys.argv[1] if len(sys.argv) > 1 else "1 + 1"
    result = {"ok": False, "output": "", "error": None}
    manager = KernelManager(kernel_name="gradscope")
    try:
        manager.start_kernel()
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        outputs = []

        def collect(message):
            content = message["content"]
            kind = message["msg_type"]
            if kind == "stream":
                outputs.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                outputs.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                outputs.append(f"{content.get('ename')}: {content.get('evalue')}")

        reply = client.execute_interactive(code, timeout=120, output_hook=collect)
        result["output"] = "".join(outputs).strip()
        result["ok"] = reply["content"]["status"] == "ok"
        if not result["ok"]:
            result["error"] = result["output"] or "the cell failed"
        client.stop_channels()
    except Exception as error:  # the report must say what went wrong, whatever it was
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        try:
            manager.shutdown_kernel(now=True)
        except Exception:
            pass
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
