"""publication_server.py: a publication as BERG's publisher API describes it (meta.json, edition/, sample/, validate_config/), served on a loopback port for the tests, with switchable failures."""
import http.server
import json
import threading
import time
import urllib.parse

META = {
    "owner_email": "tests@example.invalid",
    "publication_api_version": "1.0",
    "name": "Test Daily",
    "description": "A publication of the integration tests",
    "delivered_on": "every day",
    "external_configuration": False,
    "send_timezone_info": True,
    "send_delivery_count": "true",
    "config": {"fields": [
        {"type": "text", "name": "city", "label": "Your city"},
        {"type": "select", "name": "size", "label": "Size", "options": [["Small", "s"], ["Large", "l"]]},
    ]},
}


class Publication:
    """
    The server and what it answers. edition_mode is one of "ok", "nothing",
    "500", "slow" (answers after slow_seconds), "redirect-private" (to an
    address in 10.0.0.0/8), "huge" (a body of 50 MB); requests records every
    edition request's query as a dict; files maps other paths to
    (content type, bytes) and fetched records the paths asked for.
    """

    def __init__(self):
        self.edition_mode = "ok"
        self.edition_html = "<h1>Edition</h1><p>Hello from the test publication.</p>"
        self.etag = None
        self.slow_seconds = 10
        self.requests = []
        self.lock = threading.Lock()
        publication = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):
                pass

            def send(self, status, body=b"", content_type="text/html; charset=utf-8", headers=()):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/pub/meta.json":
                    return self.send(200, json.dumps(META).encode(), "application/json")
                if url.path == "/pub/sample/":
                    return self.send(200, b"<h1>Sample</h1><p>What an edition looks like.</p>")
                if url.path == "/pub/icon.png":
                    return self.send(404, b"no icon")
                if url.path == "/pub/edition/":
                    with publication.lock:
                        publication.requests.append(query)
                        mode = publication.edition_mode
                    return self.edition(mode, query)
                if url.path in publication.files:
                    with publication.lock:
                        publication.fetched.append(url.path)
                    content_type, body = publication.files[url.path]
                    return self.send(200, body, content_type)
                return self.send(404, b"not here")

            def edition(self, mode, query):
                if mode == "nothing":
                    return self.send(204)
                if mode == "500":
                    return self.send(500, b"the publication is broken")
                if mode == "redirect-private":
                    return self.send(302, headers=[("Location", "http://10.255.255.1/pub/edition/")])
                if mode == "slow":
                    time.sleep(publication.slow_seconds)
                    return self.send(200, b"<p>too late</p>")
                if mode == "huge":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    chunk = b"<p>" + b"x" * 65530 + b"</p>"
                    try:
                        for _ in range(50 * 1024 * 1024 // len(chunk)):
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                    return None
                body = ("%s<p>city %s, delivery %s</p>" % (publication.edition_html, query.get("city", ""),
                                                           query.get("delivery_count", ""))).encode()
                headers = [("ETag", publication.etag)] if publication.etag else []
                return self.send(200, body, headers=headers)

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                if url.path != "/pub/validate_config/":
                    return self.send(404, b"not here")
                config = json.loads(dict(urllib.parse.parse_qsl(body)).get("config", "{}"))
                errors = []
                if not config.get("city"):
                    errors.append("Tell us your city.")
                elif config["city"] == "Atlantis":
                    errors.append("Atlantis is not a city we can find.")
                return self.send(200, json.dumps({"valid": not errors, "errors": errors}).encode(),
                                 "application/json")

        self.files = {}
        self.fetched = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self):
        return "http://127.0.0.1:%d/pub/" % self.server.server_address[1]

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.server.server_address[1], path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
