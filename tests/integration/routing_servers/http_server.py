#!/usr/bin/python3
"""HTTP server for faxgw's routing tests (Python's http.server).

http_server.py PORT DIR

Listens on 127.0.0.1:PORT.  Each POST is unpacked into DIR/req-N/
(N = 1, 2, ...): "request" (method, path and headers), and each part of a
multipart/form-data body under its field name ("fax", "pages", ...), the
file parts' filenames and types in "files".

Answers can be scripted: the file DIR/script holds lines "CODE TEXT" or
"SLEEP SECONDS"; each request removes the first line and answers with that
status (SLEEP: waits, then 200).  Without a script line the answer is 200.
DIR/ready is written once the server listens.
"""
import email
import email.policy
import http.server
import os
import sys
import threading
import time

LOCK = threading.Lock()
COUNT = [0]


def scripted(top):
    path = os.path.join(top, "script")
    with LOCK:
        try:
            with open(path) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return None
        if not lines:
            return None
        with open(path, "w") as f:
            f.write("".join(line + "\n" for line in lines[1:]))
        return lines[0]


class Handler(http.server.BaseHTTPRequestHandler):
    top = "."

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        line = scripted(self.top) or "200 OK"
        code, _, text = line.partition(" ")
        if code == "SLEEP":
            time.sleep(float(text))
            code, text = "200", "OK"
        with LOCK:
            COUNT[0] += 1
            n = COUNT[0]
        self.unpack(n, body)
        answer = ("%s %s\n" % (code, text)).encode()
        self.send_response(int(code), text)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def unpack(self, n, body):
        d = os.path.join(self.top, "req-%d.tmp" % n)
        os.makedirs(d)
        with open(os.path.join(d, "request"), "w") as f:
            f.write("%s %s\n" % (self.command, self.path))
            for k, v in self.headers.items():
                f.write("%s: %s\n" % (k, v))
        head = "Content-Type: %s\r\n\r\n" % self.headers.get("Content-Type", "")
        msg = email.message_from_bytes(head.encode() + body, policy=email.policy.HTTP)
        if msg.is_multipart():
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if not name:
                    continue
                with open(os.path.join(d, os.path.basename(name)), "wb") as f:
                    f.write(part.get_payload(decode=True) or b"")
                if part.get_filename():
                    with open(os.path.join(d, "files"), "a") as f:
                        f.write("%s %s %s\n" % (name, part.get_filename(),
                                                part.get_content_type()))
        os.rename(d, os.path.join(self.top, "req-%d" % n))


def main():
    port, top = int(sys.argv[1]), sys.argv[2]
    Handler.top = top
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    with open(os.path.join(top, "ready"), "w") as f:
        f.write("%d\n" % port)
    server.serve_forever()


if __name__ == "__main__":
    main()
