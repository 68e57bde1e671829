"""Serves a folder over https on 127.0.0.1 for the download tests.

Usage: https_server.py ROOT CERT KEY PORT_FILE LOG_FILE

Binds a free port, writes it to PORT_FILE (atomically), and logs each
request's path to LOG_FILE. /to-http/NAME redirects to the plain-http URL of
NAME, so a test can check that a client refuses to follow it. Exits when its
parent dies or after an hour, so a crashed test never leaves it running.
"""
import functools
import http.server
import os
import ssl
import sys
import threading
import time

MAX_LIFETIME_S = 3600
PARENT_POLL_S = 0.5


def main():
    root, cert, key, port_file, log_file = sys.argv[1:6]
    parent = os.getppid()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            with open(log_file, "a") as log:
                log.write(self.path + "\n")
            if self.path.startswith("/to-http/"):
                self.send_response(302)
                target = "http://127.0.0.1:%d/%s" % (self.server.server_port, self.path[len("/to-http/"):])
                self.send_header("Location", target)
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, format, *args):  # requests go to LOG_FILE, not stderr
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=root))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)

    def watch_parent():
        start = time.monotonic()
        while os.getppid() == parent and time.monotonic() - start < MAX_LIFETIME_S:
            time.sleep(PARENT_POLL_S)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    with open(port_file + ".tmp", "w") as out:
        out.write(str(server.server_port))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
