"""Start the `gradscope` kernel once, run one cell, and report what it cost.

Prints one JSON object: {"ok", "startupSeconds", "idleRssMiB", "output", "error"}.
startupSeconds is the wall time from launching the kernel process to its first kernel_info_reply;
idleRssMiB is the kernel's resident memory after that reply, before any cell runs.
"""
import json
import sys
import time

from jupyter_client.manager import KernelManager


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def main():
    code = sys.argv[1] if len(sys.argv) > 1 else "1 + 1"
    result = {"ok": False, "startupSeconds": None, "idleRssMiB": None, "output": "", "error": None}
    manager = KernelManager(kernel_name="gradscope")
    started = time.time()
    try:
        manager.start_kernel()
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        result["startupSeconds"] = round(time.time() - started, 2)
        pid = getattr(manager.provisioner, "pid", None) or getattr(getattr(manager.provisioner, "process", None), "pid", None)
        time.sleep(1.0)
        result["idleRssMiB"] = rss_mib(pid) if pid else None
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
