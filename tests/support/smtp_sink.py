"""A real SMTP server for the `send` tests: aiosmtpd on 127.0.0.1:PORT, each message saved as
NNN.eml (the bytes as received) with NNN.json beside it (envelope sender and recipients).

Usage: python3 smtp_sink.py PORT OUT_DIR. Prints "ready" once it accepts connections; stops
when stdin closes (the test ends) or after 120 seconds, whichever comes first.
"""

import json
import os
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Save:
    def __init__(self, out):
        self.out = out
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.out, f"{self.n:03}")
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        with open(base + ".eml.part", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        # The .eml appears complete or not at all: the test polls for it.
        os.rename(base + ".eml.part", base + ".eml")
        return "250 Message accepted"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Save(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), closed.set()), daemon=True).start()
    deadline = time.monotonic() + 120
    while not closed.is_set() and time.monotonic() < deadline:
        time.sleep(0.1)
    controller.stop()


if __name__ == "__main__":
    main()
