#!/usr/bin/env python3
"""Small stdlib helpers for tests/e2e/nakama.sh (no curl needed).

  e2e_helpers.py port                 one free TCP port on 127.0.0.1
  e2e_helpers.py block N              first port B of N consecutive free ports B..B+N-1
  e2e_helpers.py post URL BODY [TOKEN]
                                      POST BODY (as given; with a Bearer TOKEN when given) and
                                      print "STATUS<TAB>RESPONSE"
  e2e_helpers.py auth BASE_URL [DEVICE_ID]
                                      sign a device account in (server key defaultkey; a new
                                      device unless DEVICE_ID) and print its session token
  e2e_helpers.py uid TOKEN            print the user id a session token carries
  e2e_helpers.py get URL              GET and print "STATUS<TAB>RESPONSE"
  e2e_helpers.py fetch METHOD URL [BODY [TOKEN]]
                                      send a request (Bearer TOKEN when given) and print
                                      "STATUS<TAB>CONTENT-TYPE<TAB>RESPONSE"
  e2e_helpers.py storage-read BASE_URL TOKEN COLLECTION KEY
                                      read the caller's object (POST /v2/storage) and print
                                      "STATUS<TAB>RESPONSE"
  e2e_helpers.py storage-object BODY COLLECTION KEY USER_ID VALUE_JSON READ WRITE
                                      exit 0 when BODY (a /v2/storage answer) holds exactly that
                                      object; print its version
  e2e_helpers.py json-eq BODY JSON    exit 0 when BODY is JSON equal to JSON
  e2e_helpers.py ws-chat WS_URL TOKEN CONTENT
                                      over the realtime socket (stdlib client): join room
                                      "e2e", send CONTENT as a chat message, print the answer
                                      envelope as compact JSON
  e2e_helpers.py rt-error ENVELOPE MESSAGE
                                      exit 0 when ENVELOPE is a realtime error with MESSAGE
  e2e_helpers.py rt-ack ENVELOPE      exit 0 when ENVELOPE acknowledges a chat message
  e2e_helpers.py wait URL SECS PID    poll GET URL until 200; fail if PID exits or time runs out
  e2e_helpers.py rpc-ok BODY ID PAYLOAD_JSON
                                      exit 0 when BODY is {"payload": S} and S is exactly
                                      {"rpc":ID,"echo":PAYLOAD} in compact JSON
  e2e_helpers.py rpc-error BODY MESSAGE
                                      exit 0 when BODY is an error whose message is MESSAGE
  e2e_helpers.py rpc-json BODY JSON   exit 0 when BODY's payload is JSON equal to JSON
  e2e_helpers.py rpc-field BODY NAME  exit 0 when BODY's payload is an object with a non-empty
                                      string NAME
  e2e_helpers.py rpc-get BODY NAME    print the string NAME of BODY's payload object
  e2e_helpers.py rpc-list BODY NAME [ID]
                                      exit 0 when BODY's payload is an object whose NAME is a
                                      list of strings (holding ID when given)
  e2e_helpers.py poll-list URL NAME ID SECS
                                      POST the RPC payload "{}" to URL until rpc-list NAME ID
                                      holds (SECS at most); print the last "STATUS<TAB>RESPONSE"
"""

import base64
import json
import os
import random
import socket
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid


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


def request(method, url, body=None, timeout=10, auth=None, with_type=False):
    data = body.encode("utf-8") if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if auth:
        req.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            answer = resp.status, resp.read().decode("utf-8", "replace")
            ctype = resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        answer = e.code, e.read().decode("utf-8", "replace")
        ctype = e.headers.get("Content-Type", "")
    return answer + (ctype,) if with_type else answer


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


def auth(base, device=None):
    basic = "Basic " + base64.b64encode(b"defaultkey:").decode()
    body = json.dumps({"id": device or "e2e-" + uuid.uuid4().hex})
    status, text = request("POST", base + "/v2/account/authenticate/device?create=true",
                           body, auth=basic)
    if status != 200:
        print("authenticate/device: HTTP %d %s" % (status, text), file=sys.stderr)
        return 1
    print(json.loads(text)["token"])
    return 0


def token_uid(token):
    """The `uid` claim of a session token (a JWT; its signature is the server's business)."""
    claims = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["uid"]


def storage_read(base, token, collection, key):
    body = json.dumps({"object_ids": [
        {"collection": collection, "key": key, "user_id": token_uid(token)}]})
    return request("POST", base + "/v2/storage", body, auth="Bearer " + token)


def storage_object(body, collection, key, user_id, value, read, write):
    try:
        objects = json.loads(body).get("objects") or []
    except (ValueError, AttributeError):
        print("not a storage answer: %s" % body, file=sys.stderr)
        return 1
    if len(objects) != 1:
        print("%d objects, want 1: %s" % (len(objects), body), file=sys.stderr)
        return 1
    o = objects[0]
    want = {"collection": collection, "key": key, "user_id": user_id,
            "permission_read": int(read), "permission_write": int(write)}
    # protojson leaves out zero values: a missing permission means 0.
    got = {k: o.get(k, 0 if k.startswith("permission") else None) for k in want}
    try:
        value_ok = json.loads(o.get("value", "")) == json.loads(value)
    except ValueError:
        value_ok = False
    if got != want or not value_ok or not o.get("version"):
        print("object %s, want %s with value %s and a version" % (json.dumps(o), want, value),
              file=sys.stderr)
        return 1
    print(o["version"])
    return 0


def json_eq(body, expected):
    try:
        got = json.loads(body)
    except ValueError:
        got = None
    if got != json.loads(expected):
        print("body %s, want %s" % (body, expected), file=sys.stderr)
        return 1
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


def rpc_get(body, name):
    got = payload_of(body)
    if not isinstance(got, dict) or not isinstance(got.get(name), str):
        print("payload %r has no string %r" % (got, name), file=sys.stderr)
        return 1
    print(got[name])
    return 0


def list_problem(body, name, want=None):
    """None when BODY's payload is an object whose NAME lists strings (holding WANT), else why not."""
    try:
        got = json.loads(json.loads(body)["payload"])
    except (ValueError, KeyError, TypeError):
        return "not an RPC answer with a JSON payload: %s" % body
    items = got.get(name) if isinstance(got, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return "payload %r has no list of strings %r" % (got, name)
    if want is not None and want not in items:
        return "%s %r lacks %r" % (name, items, want)
    return None


def rpc_list(body, name, want=None):
    problem = list_problem(body, name, want)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


def poll_list(url, name, want, secs):
    # Nakama indexes match labels in batches (match.label_update_interval_ms, 1 s by
    # default): a new match shows up in listings within about a second.
    deadline = time.monotonic() + secs
    while True:
        status, text = request("POST", url, '"{}"')
        if status != 200 or list_problem(text, name, want) is None or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    print("%d\t%s" % (status, text))
    return 0


class WebSocket:
    """The least of RFC 6455 a test needs: one text message at a time, client side."""

    def __init__(self, url, timeout=10):
        u = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = u.path + ("?" + u.query if u.query else "")
        self.sock.sendall((
            "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
            % (path, u.hostname, u.port or 80, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("connection closed during the websocket handshake")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0].decode("latin-1")
        if " 101 " not in status + " ":
            raise OSError("websocket handshake refused: %s" % status)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("websocket closed by the server")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _frame(self, opcode, data):
        head = bytes([0x80 | opcode])
        n = len(data)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)  # clients must mask every frame
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def send(self, obj):
        self._frame(0x1, json.dumps(obj).encode())

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            data = self._read(n)  # servers never mask
            opcode = b0 & 0x0F
            if opcode == 0x9:
                self._frame(0xA, data)
            elif opcode == 0x8:
                raise OSError("websocket closed by the server: %r" % data[2:])
            elif opcode in (0x0, 0x1, 0x2):
                message += data
                if b0 & 0x80:
                    return json.loads(message)

    def call(self, cid, obj):
        """Sends an envelope with this cid and answers the reply that carries it."""
        obj["cid"] = cid
        self.send(obj)
        while True:
            reply = self.recv()
            if reply.get("cid") == cid:
                return reply

    def close(self):
        try:
            self._frame(0x8, struct.pack(">H", 1000))
        finally:
            self.sock.close()


def ws_chat(url, token, content):
    ws = WebSocket(url + ("&" if "?" in url else "?") + "format=json&token=" + token)
    try:
        joined = ws.call("1", {"channel_join": {"target": "e2e", "type": 1}})
        channel = (joined.get("channel") or {}).get("id")
        if not channel:
            print("cannot join room e2e: %s" % json.dumps(joined), file=sys.stderr)
            return 1
        reply = ws.call("2", {"channel_message_send": {"channel_id": channel, "content": content}})
    finally:
        ws.close()
    print(json.dumps(reply, separators=(",", ":")))
    return 0


def rt_error(envelope, message):
    try:
        err = json.loads(envelope).get("error")
    except (ValueError, AttributeError):
        err = None
    if not isinstance(err, dict) or err.get("message") != message:
        print("envelope %s, want an error %r" % (envelope, message), file=sys.stderr)
        return 1
    return 0


def rt_ack(envelope):
    try:
        ack = json.loads(envelope).get("channel_message_ack")
    except (ValueError, AttributeError):
        ack = None
    if not isinstance(ack, dict) or not ack.get("message_id"):
        print("envelope %s, want a channel_message_ack" % envelope, file=sys.stderr)
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
    elif cmd == "fetch":
        body = argv[4] if len(argv) > 4 and argv[4] != "" else None
        token = argv[5] if len(argv) > 5 else None
        status, text, ctype = request(argv[2], argv[3], body, with_type=True,
                                      auth="Bearer " + token if token else None)
        print("%d\t%s\t%s" % (status, ctype, text))
    elif cmd == "auth":
        return auth(argv[2], argv[3] if len(argv) > 3 else None)
    elif cmd == "uid":
        print(token_uid(argv[2]))
    elif cmd == "storage-read":
        status, text = storage_read(argv[2], argv[3], argv[4], argv[5])
        print("%d\t%s" % (status, text))
    elif cmd == "storage-object":
        return storage_object(*argv[2:9])
    elif cmd == "json-eq":
        return json_eq(argv[2], argv[3])
    elif cmd == "ws-chat":
        return ws_chat(argv[2], argv[3], argv[4])
    elif cmd == "rt-error":
        return rt_error(argv[2], argv[3])
    elif cmd == "rt-ack":
        return rt_ack(argv[2])
    elif cmd == "rpc-get":
        return rpc_get(argv[2], argv[3])
    elif cmd == "rpc-list":
        return rpc_list(argv[2], argv[3], argv[4] if len(argv) > 4 else None)
    elif cmd == "poll-list":
        return poll_list(argv[2], argv[3], argv[4], float(argv[5]))
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
