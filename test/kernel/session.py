"""Drives one `gradscope` kernel through a script of actions and prints what came back, as JSON.

    python test/kernel/session.py < actions.json

actions.json is a list of steps:
  {"op": "execute", "code": "...", "stop_on_error": true, "wait": true}   (wait=false: send and go on)
  {"op": "interrupt"}               signal the kernel as JupyterLab's interrupt button does
  {"op": "interrupt_until_answered", "every": 2, "timeout": 30}   signal again until all is answered
  {"op": "sleep", "seconds": 0.5}
  {"op": "wait_output", "text": "...", "timeout": 60}   until the last request printed the text on a stream
  {"op": "wait_all", "timeout": 30} until every request sent so far is answered and idle
  {"op": "comm_info"}               a comm_info_request; the reply goes to "others"
  {"op": "is_complete", "code": "..."}   an is_complete_request; the reply goes to "others"
  {"op": "shutdown", "restart": false}
Output: {"requests": [{"code", "msg_id", "reply", "outputs": [...], "late": [...], "seconds", "after_interrupt"}],
         "shutdown_reply": ...}. `seconds`: from sending to idle; `after_interrupt`: from the last interrupt to idle. `outputs` are the iopub messages with the request as parent that arrived
before its idle status; `late` those that arrived after it.
The kernel is chosen by GRADSCOPE_KERNEL_NAME (default gradscope), found on JUPYTER_PATH as usual; it starts in
the folder GRADSCOPE_KERNEL_CWD (default: the current one).
"""
import json
import os
import sys
import time
from queue import Empty

from jupyter_client.manager import start_new_kernel


def main():
    actions = json.load(sys.stdin)
    kernel_name = os.environ.get("GRADSCOPE_KERNEL_NAME", "gradscope")
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=120,
                              cwd=os.environ.get("GRADSCOPE_KERNEL_CWD") or os.getcwd())
    requests = []
    by_id = {}
    shutdown_reply = None
    problem = None
    others = []

    def pump(done, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if done():
                return True
            got = False
            try:
                msg = kc.get_iopub_msg(timeout=0.02)
                got = True
                parent = msg["parent_header"].get("msg_id")
                req = by_id.get(parent)
                if req is not None:
                    entry = {"msg_type": msg["msg_type"], "content": msg["content"]}
                    if req["idle"]:
                        req["late"].append(entry)
                    elif msg["msg_type"] == "status":
                        if msg["content"]["execution_state"] == "idle":
                            req["idle"] = True
                            req["seconds"] = round(time.time() - req["sent"], 3)
                            if "interrupted_at" in req:
                                req["after_interrupt"] = round(time.time() - req.pop("interrupted_at"), 3)
                    else:
                        req["outputs"].append(entry)
            except Empty:
                pass
            try:
                reply = kc.get_shell_msg(timeout=0.0 if got else 0.02)
                req = by_id.get(reply["parent_header"].get("msg_id"))
                if req is not None:
                    req["reply"] = reply["content"]
            except Empty:
                pass
        return done()

    def reply_to(msg_id, timeout):
        # The reply to this request (a spare kernel_info_reply from start-up may come first).
        deadline = time.time() + timeout
        while True:
            reply = kc.get_shell_msg(timeout=max(0.01, deadline - time.time()))
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def answered(req):
        return req["reply"] is not None and req["idle"]

    try:
        try:
            for action in actions:
                op = action["op"]
                if op == "execute":
                    msg_id = kc.execute(action["code"], stop_on_error=action.get("stop_on_error", True))
                    req = {"code": action["code"], "msg_id": msg_id, "reply": None, "outputs": [], "late": [],
                           "idle": False, "sent": time.time(), "seconds": None}
                    requests.append(req)
                    by_id[msg_id] = req
                    if action.get("wait", True):
                        if not pump(lambda: answered(req), action.get("timeout", 60)):
                            raise SystemExit(f"no reply to {action['code']!r} within the timeout")
                elif op == "interrupt":
                    for req in requests:
                        if not req["idle"]:
                            req["interrupted_at"] = time.time()
                    km.interrupt_kernel()
                elif op == "interrupt_until_answered":
                    # As a learner does: press interrupt again while the cell still runs.
                    deadline = time.time() + action.get("timeout", 30)
                    while not all(answered(r) for r in requests) and time.time() < deadline:
                        km.interrupt_kernel()
                        pump(lambda: all(answered(r) for r in requests), action.get("every", 2.0))
                    if not all(answered(r) for r in requests):
                        raise SystemExit("interrupting did not stop the cell")
                elif op == "wait_output":
                    # Until the last request has printed the text (its code is running).
                    req = requests[-1]
                    printed = lambda: action["text"] in "".join(
                        o["content"].get("text", "") for o in req["outputs"] if o["msg_type"] == "stream")
                    if not pump(printed, action.get("timeout", 60)):
                        raise SystemExit(f"{action['text']!r} was not printed within the timeout")
                elif op == "sleep":
                    pump(lambda: False, action["seconds"])
                elif op == "wait_all":
                    if not pump(lambda: all(answered(r) for r in requests), action.get("timeout", 60)):
                        raise SystemExit("not every request was answered within the timeout")
                elif op == "comm_info":
                    reply = reply_to(kc.comm_info(), 60)
                    others.append({"msg_type": reply["msg_type"], "content": reply["content"]})
                elif op == "is_complete":
                    reply = reply_to(kc.is_complete(action["code"]), 60)
                    others.append({"msg_type": reply["msg_type"], "content": reply["content"]})
                elif op == "shutdown":
                    kc.shutdown(restart=action.get("restart", False))
                    reply = kc.get_control_msg(timeout=10)
                    shutdown_reply = {"msg_type": reply["msg_type"], "content": reply["content"]}
                else:
                    raise SystemExit(f"unknown op {op}")
            pump(lambda: False, actions[-1].get("drain", 0.3) if actions else 0.3)
        except SystemExit as stop:
            problem = str(stop)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=shutdown_reply is not None)
    for req in requests:
        req.pop("sent", None)
    json.dump({"requests": requests, "shutdown_reply": shutdown_reply, "others": others,
               "problem": problem}, sys.stdout, default=str)


if __name__ == "__main__":
    main()
