#!/usr/bin/env python3
"""The lab's HTTP server for live images: serves a directory on 127.0.0.1 (the guest
reaches it as 10.0.2.2 through qemu's user networking), with single byte ranges
(`Range: bytes=N-` and `bytes=N-M`) as a mirror's server has them, and faults on request:

  httpd.py DIR PORTFILE LOG [--drop-after BYTES] [--slow MS] [--tls CERT KEY]

--drop-after: the first response of each file that would go past BYTES is cut there
(the connection is closed mid-body), as a server restarting mid-transfer does; later
requests are served whole. --slow: a pause of MS milliseconds after each 64 KiB sent, as
a slow link (for a power cut in the middle of a transfer). --tls: https with that certificate chain and key (Python's ssl
module, TLS 1.2 or later). PORTFILE gets the port once the server listens; LOG gets one
line a request: `GET <path> range=<header or -> status sent=<bytes>`.
"""
import http.server
import os
import socketserver
import ssl
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    dropped = set()
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def record(self, status, sent):
        with self.lock, open(self.server.log, "a") as log:
            log.write(f"GET {self.path} range={self.headers.get('Range', '-')} {status} sent={sent}\n")

    def do_GET(self):
        path = os.path.join(self.server.root, self.path.split("?")[0].lstrip("/"))
        if ".." in self.path or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.record(404, 0)
            return
        size = os.path.getsize(path)
        first, last = 0, size - 1
        wanted = self.headers.get("Range")
        if wanted:
            try:
                start, _, end = wanted.removeprefix("bytes=").partition("-")
                first = int(start)
                if end:
                    last = min(int(end), size - 1)
            except ValueError:
                first = size + 1
            if first >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.record(416, 0)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(last + 1 - first))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        cut = None
        with self.lock:
            if self.server.drop_after is not None and path not in self.dropped and size > self.server.drop_after > first:
                self.dropped.add(path)
                cut = self.server.drop_after
        sent = 0
        with open(path, "rb") as f:
            f.seek(first)
            while sent < last + 1 - first:
                chunk = f.read(min(65536, last + 1 - first - sent))
                if not chunk:
                    break
                if cut is not None and first + sent + len(chunk) > cut:
                    chunk = chunk[: cut - first - sent]
                    self.wfile.write(chunk)
                    sent += len(chunk)
                    self.wfile.flush()
                    self.record(f"{self.server.status(wanted)}-dropped", sent)
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(chunk)
                sent += len(chunk)
                if self.server.slow:
                    self.wfile.flush()
                    time.sleep(self.server.slow / 1000)
        self.record(self.server.status(wanted), sent)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    @staticmethod
    def status(wanted):
        return 206 if wanted else 200


def main():
    root, portfile, log = sys.argv[1:4]
    options = sys.argv[4:]
    drop_after, tls, slow = None, None, 0
    while options:
        if options[0] == "--drop-after" and len(options) > 1:
            drop_after, options = int(options[1]), options[2:]
        elif options[0] == "--slow" and len(options) > 1:
            slow, options = int(options[1]), options[2:]
        elif options[0] == "--tls" and len(options) > 2:
            tls, options = options[1:3], options[3:]
        else:
            sys.exit(f"httpd.py: unknown option {options[0]}")
    server = Server(("127.0.0.1", 0), Handler)
    server.root, server.log, server.drop_after, server.slow = root, log, drop_after, slow
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
