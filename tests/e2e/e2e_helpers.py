#!/usr/bin/env python3
"""Small stdlib helpers for tests/e2e/nakama.sh (no curl needed).

  e2e_helpers.py port                 one free TCP port on 127.0.0.1
  e2e_helpers.py block N              first port B of N consecutive free ports B..B+N-1
  e2e_helpers.py post URL BODY [TOKEN]
                                      POST BODY (as given; with a Bearer TOKEN when given) and
                                      print "STATUS<TAB>RESPONSE"
  e2e_helpers.py auth BASE_URL        sign a new device account in (server key defaultkey) and
                                      print its session token
  e2e_helpers.py get URL              GET and print "STATUS<TAB>RESPONSE"
  e2e_helpers.py wait URL SECS PID    poll GET URL until 200; fail if PID exits or time runs out
  e2e_helpers.py rpc-ok BODY ID PAYLOAD_JSON
                                      exit 0 when BODY is {"payload": S} and S is exactly
                                      {"rpc":ID,"echo":PAYLOAD} in compact JSON
  e2e_helpers.py rpc-error BODY MESSAGE
                                      exit 0 when BODY is an error whose message is MESSAGE
  e2e_helpers.py rpc-json BODY JSON   exit 0 when BODY's payload is JSON equal to JSON
  e2e_helpers.py rpc-field BODY NAME  exit 0 when BODY's payload is an object with a non-empty
                                      string NAME
"""

import base64
import uuid

import json
import os
import random
import socket
import sys
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bindable(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_block(n):
    for _ in range(200):
        base = free_port()
        if base + n > 65535:
            base = random.randint(20000, 60000)
        if all(bindable(base + i) for i in range(n)):
            return base
    raise SystemExit("no block of %d free ports found" % n)


def request(method, url, body=None, timeout=10, auth=None):
    data = body.encode("utf-8") if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if auth:
        req.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); look at its state.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def wait(url, secs, pid):
    deadline = time.monotonic() + secs
    last = "no answer"
    while time.monotonic() < deadline:
        if not alive(pid):
            print("process %d exited before %s answered" % (pid, url), file=sys.stderr)
            return 1
        try:
            status, _ = request("GET", url, timeout=2)
            if status == 200:
                return 0
            last = "HTTP %d" % status
        except (OSError, urllib.error.URLError) as e:
            last = str(e)
        time.sleep(0.25)
    print("%s not healthy after %ss: %s" % (url, secs, last), file=sys.stderr)
    return 1


def auth(base):
    basic = "Basic " + base64.b64encode(b"defaultkey:").decode()
    body = json.dumps({"id": "e2e-" + uuid.uuid4().hex})
    status, text = request("POST", base + "/v2/account/authenticate/device?create=true",
                           body, auth=basic)
    if status != 200:
        print("authenticate/device: HTTP %d %s" % (status, text), file=sys.stderr)
        return 1
    print(json.loads(text)["token"])
    return 0


def payload_of(body):
    try:
        return json.loads(json.loads(body)["payload"])
    except (ValueError, KeyError, TypeError):
        print("not an RPC answer with a JSON payload: %s" % body, file=sys.stderr)
        return None


def rpc_json(body, expected):
    got = payload_of(body)
    if got is None or got != json.loads(expected):
        print("payload %r, want %s" % (got, expected), file=sys.stderr)
        return 1
    return 0


def rpc_field(body, name):
    got = payload_of(body)
    if not isinstance(got, dict) or not isinstance(got.get(name), str) or not got[name]:
        print("payload %r has no non-empty %r" % (got, name), file=sys.stderr)
        return 1
    return 0


def rpc_ok(body, rpc_id, payload_json):
    try:
        got = json.loads(body)["payload"]
    except (ValueError, KeyError, TypeError):
        print("not an RPC answer: %s" % body, file=sys.stderr)
        return 1
    want = json.dumps({"rpc": rpc_id, "echo": json.loads(payload_json)},
                      separators=(",", ":"))
    if got != want:
        print("payload %r, want %r" % (got, want), file=sys.stderr)
        return 1
    return 0


def rpc_error(body, message):
    try:
        got = json.loads(body).get("message")
    except (ValueError, AttributeError):
        print("not a JSON error: %s" % body, file=sys.stderr)
        return 1
    if got != message:
        print("message %r, want %r" % (got, message), file=sys.stderr)
        return 1
    return 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "port":
        print(free_port())
    elif cmd == "block":
        print(free_block(int(argv[2])))
    elif cmd == "post":
        token = argv[4] if len(argv) > 4 else None
        status, text = request("POST", argv[2], argv[3], auth="Bearer " + token if token else None)
        print("%d\t%s" % (status, text))
    elif cmd == "get":
        status, text = request("GET", argv[2])
        print("%d\t%s" % (status, text))
    elif cmd == "auth":
        return auth(argv[2])
    elif cmd == "wait":
        return wait(argv[2], float(argv[3]), int(argv[4]))
    elif cmd == "rpc-ok":
        return rpc_ok(argv[2], argv[3], argv[4])
    elif cmd == "rpc-error":
        return rpc_error(argv[2], argv[3])
    elif cmd == "rpc-json":
        return rpc_json(argv[2], argv[3])
    elif cmd == "rpc-field":
        return rpc_field(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
