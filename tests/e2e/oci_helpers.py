#!/usr/bin/env python3
"""Stdlib helpers for tests/e2e/oci.sh (the image it runs has no curl, nor does the host need it).

  oci_helpers.py port            one free TCP port on 127.0.0.1
  oci_helpers.py block N         first port B of N consecutive free ports B..B+N-1
  oci_helpers.py get URL         GET; print "STATUS<TAB>BODY" (STATUS 0 when nothing answers)
  oci_helpers.py post URL BODY   POST BODY as given; print "STATUS<TAB>BODY"
  oci_helpers.py json-eq A B     exit 0 when A and B are equal JSON
  oci_helpers.py json-get JSON NAME
                                 print the string member NAME of the object JSON; exit 1 when
                                 it is missing, empty or not a string
"""

import json
import random
import socket
import sys
import urllib.error
import urllib.request


def bindable(port):
    for host in ("0.0.0.0", "127.0.0.1"):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                return False
    return True


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def block(n):
    # Nakama derives its gRPC ports from the HTTP ones (port - 1, console port - 3), so the
    # test needs a run of free ports, not n independent ones.
    for _ in range(200):
        base = random.randint(20000, 60000 - n)
        if all(bindable(base + i) for i in range(n)):
            return base
    raise SystemExit("no block of free ports found")


def request(url, body=None):
    data = None if body is None else body.encode()
    req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e)


def main(argv):
    cmd = argv[0] if argv else ""
    if cmd == "port" and len(argv) == 1:
        print(free_port())
    elif cmd == "block" and len(argv) == 2:
        print(block(int(argv[1])))
    elif cmd == "get" and len(argv) == 2:
        print("%d\t%s" % request(argv[1]))
    elif cmd == "post" and len(argv) == 3:
        print("%d\t%s" % request(argv[1], argv[2]))
    elif cmd == "json-eq" and len(argv) == 3:
        try:
            return 0 if json.loads(argv[1]) == json.loads(argv[2]) else 1
        except ValueError:
            return 1
    elif cmd == "json-get" and len(argv) == 3:
        try:
            value = json.loads(argv[1]).get(argv[2])
        except (ValueError, AttributeError):
            return 1
        if not isinstance(value, str) or not value:
            return 1
        print(value)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
