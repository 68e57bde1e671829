"""The Heat API's resource-signal endpoint that wait condition handles post to.

POST <endpoint path> with the handle's X-Auth-Token and a JSON body is what
`curl_cli` does; the body goes to Heat's own HeatWaitConditionHandle
.handle_signal (which checks the metadata format and stores the signal), as
heat-api and heat-engine would. Heat answers 200 when the signal is stored;
a wrong token 401, an unknown resource 404, a body that is not JSON or a
bad metadata format 400.
"""
import http.server
import json
import threading
import urllib.parse


class SignalHub(object):
    """Wait condition handles by endpoint path; one lock for Heat's state."""

    def __init__(self, on_signal):
        self.lock = threading.Lock()
        self.handles = {}  # path -> (resource, token)
        self.on_signal = on_signal  # callable(handle resource, details, reason)

    def add(self, rsrc, token):
        path = urllib.parse.urlparse(rsrc.data()['endpoint']).path
        self.handles[path] = (rsrc, token)

    def close(self):
        with self.lock:
            self.handles = {}

    def signal(self, path, token, body):
        """(HTTP status, message): what heat-api answers."""
        entry = self.handles.get(path)
        if entry is None:
            return 404, 'The resource could not be found.'
        rsrc, expected = entry
        if token != expected:
            return 401, 'The request you have made requires authentication.'
        try:
            details = json.loads(body) if body.strip() else None
        except ValueError as ex:
            return 400, 'Invalid JSON body: %s' % ex
        with self.lock:
            try:
                reason = rsrc.handle_signal(details)  # Heat's own code
            except ValueError as ex:
                return 400, str(ex)
            self.on_signal(rsrc, details, reason)
        return 200, ''


def make_server(sock, hub):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(length).decode('utf-8', 'replace')
            code, message = hub.signal(self.path,
                                       self.headers.get('X-Auth-Token'), body)
            payload = json.dumps(None if code == 200 else
                                 {'code': code, 'error': {'message': message}})
            self.send_response(code)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload.encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(('0.0.0.0', 0), Handler,
                                             bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.server_address = sock.getsockname()
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
