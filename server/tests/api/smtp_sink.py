"""A real SMTP server on loopback for the mail tests (aiosmtpd, from PyPI).

Usage: smtp_sink.py PORT OUT_DIR. Each message received is written to
OUT_DIR as one .eml file (written under another name, then renamed, so a
reader never sees half a message). Prints "ready" once listening and runs
until its standard input closes.
"""

import pathlib
import sys
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = pathlib.Path(out)

    async def handle_DATA(self, server, session, envelope):
        name = self.out / f"{uuid.uuid4().hex}.eml"
        partial = name.with_suffix(".partial")
        rcpts = "".join(f"X-Envelope-To: {r}\r\n" for r in envelope.rcpt_tos)
        partial.write_bytes(rcpts.encode() + envelope.content)
        partial.rename(name)
        return "250 Message accepted for delivery"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
