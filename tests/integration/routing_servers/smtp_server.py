#!/usr/bin/python3
"""SMTP server for faxgw's routing tests (Debian's python3-aiosmtpd).

smtp_server.py PORT DIR [USER:PASSWORD]

Listens on 127.0.0.1:PORT.  With USER:PASSWORD, SMTP AUTH (PLAIN or LOGIN,
RFC 4954, allowed without TLS here) is required before MAIL.  Each accepted message is delivered into the
Maildir DIR/Maildir and unpacked into DIR/msg-N/ (N = 1, 2, ...):
envelope (MAIL FROM and RCPT TO lines), headers, and each MIME part's
decoded payload under its filename (text parts as body-K.txt).

Replies can be scripted: the file DIR/script holds lines "STAGE CODE TEXT"
(STAGE is RCPT or DATA); when a command of that stage arrives and the first
line of the script names it, that line is removed and its reply is sent
instead of accepting.  DIR/ready is written once the server listens.
"""
import email
import email.policy
import mailbox
import os
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Handler:
    def __init__(self, top):
        self.top = top
        self.count = 0
        self.lock = threading.Lock()
        self.maildir = mailbox.Maildir(os.path.join(top, "Maildir"), create=True)

    def scripted(self, stage):
        path = os.path.join(self.top, "script")
        with self.lock:
            try:
                with open(path) as f:
                    lines = f.read().splitlines()
            except FileNotFoundError:
                return None
            if not lines or not lines[0].startswith(stage + " "):
                return None
            with open(path, "w") as f:
                f.write("".join(line + "\n" for line in lines[1:]))
            return lines[0][len(stage) + 1:]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.scripted("RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.scripted("DATA")
        if reply:
            return reply
        with self.lock:
            self.count += 1
            n = self.count
        self.maildir.add(envelope.original_content)
        self.unpack(n, envelope)
        return "250 2.0.0 queued as fax%d" % n

    def unpack(self, n, envelope):
        d = os.path.join(self.top, "msg-%d.tmp" % n)
        os.makedirs(d)
        with open(os.path.join(d, "envelope"), "w") as f:
            f.write("MAIL FROM:%s\n" % envelope.mail_from)
            for r in envelope.rcpt_tos:
                f.write("RCPT TO:%s\n" % r)
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with open(os.path.join(d, "headers"), "w") as f:
            for k, v in msg.items():
                f.write("%s: %s\n" % (k, v))
        k = 0
        for part in msg.walk():
            if part.is_multipart():
                continue
            k += 1
            name = part.get_filename() or "body-%d.txt" % k
            with open(os.path.join(d, os.path.basename(name)), "wb") as f:
                f.write(part.get_payload(decode=True) or b"")
            with open(os.path.join(d, "parts"), "a") as f:
                f.write("%s %s %s\n" % (name, part.get_content_type(),
                                        part.get("Content-Transfer-Encoding", "-")))
        os.rename(d, os.path.join(self.top, "msg-%d" % n))


class Authenticator:
    def __init__(self, user, password):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (getattr(auth_data, "login", None) == self.user and
              getattr(auth_data, "password", None) == self.password)
        return AuthResult(success=ok, handled=False)


def main():
    port, top = int(sys.argv[1]), sys.argv[2]
    kwargs = {}
    if len(sys.argv) > 3:
        user, _, password = sys.argv[3].partition(":")
        kwargs = dict(authenticator=Authenticator(user, password), auth_required=True,
                      auth_require_tls=False)
    controller = Controller(Handler(top), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    with open(os.path.join(top, "ready"), "w") as f:
        f.write("%d\n" % port)
    threading.Event().wait()


if __name__ == "__main__":
    main()
