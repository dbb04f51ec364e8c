#!/usr/bin/env python3
"""api_images.py: images at http(s) URLs in an HTML message are fetched into the print; those that cannot be loaded are named in the answer."""
import http.server
import json
import os
import threading
import unittest
import urllib.parse

import api_helpers as a

# Tests fetch from this machine: the loopback address only.
os.environ["SIRIUS_FETCH_PRIVATE"] = "127.0.0.1"


class ImageServer(http.server.BaseHTTPRequestHandler):
    """/pin.png is a picture, anything else 404."""

    def do_GET(self):
        if self.path == "/pin.png":
            body = a.pin_png()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
        else:
            body = b"gone"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class RemoteImages(a.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ImageServer)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.base = "http://127.0.0.1:%d" % cls.server.server_address[1]
        cls.world = a.ApiWorld()
        try:
            cls.world.user("alice")
            cls.desk = cls.world.printer("alice", "Desk")
        except BaseException:
            cls.world.close()
            cls.server.shutdown()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.world.close()
        cls.server.shutdown()

    def post_html(self, html):
        key = self.world.device_key(self.desk)
        return self.world.stack.client().request("POST", "/printkey/" + key + "?from=Tester", body=html.encode(),
                                                 headers={"Content-Type": "text/html"})

    def test_remote_image_is_printed(self):
        html = '<p>pin</p><img src="%s/pin.png">' % self.base
        inline = '<p>pin</p><img src="data:image/png;base64,%s">' % a.base64.b64encode(a.pin_png()).decode()
        response = self.post_html(html)
        self.assertStatus(response, 200, self.world)
        body = self.assertJson(response)
        self.assertEqual(body["status"], "sent")
        self.assertNotIn("warnings", body)
        # What arrives is what the same picture inline renders to.
        self.world.check_printed(self, self.desk, "text/html", inline.encode(), "Tester")

    def test_unloadable_image_is_named(self):
        response = self.post_html('<p>hello</p><img src="%s/missing.png">' % self.base)
        self.assertStatus(response, 200, self.world)
        body = self.assertJson(response)
        self.assertEqual(body["status"], "sent")
        self.assertEqual(len(body["warnings"]), 1)
        self.assertIn("/missing.png", body["warnings"][0])
        self.assertIn("404", body["warnings"][0])
        self.world.wait_answered(body["id"])  # not in flight when the next test prints

    def test_preview_names_what_it_left_out(self):
        web = self.world.stack.client()
        self.assertEqual(web.post_form("/login", "/login", {"username": "alice", "password": "password1"}).status, 303)
        html = '<p>hello</p><img src="%s/missing.png">' % self.base
        path = "/printer/%d/print" % self.desk.id
        web.get(path)
        # The print page's preview without JavaScript: a notice on the page.
        response = web.post(path, {"message": html, "format": "html", "action": "preview",
                                   "target_printer": str(self.desk.id)})
        self.assertStatus(response, 200, self.world)
        self.assertIn("/missing.png could not be loaded: the server answered 404.", response.text)
        # The live preview: the PNG, and the same sentence in X-Render-Warnings.
        response = web.post("/printer/%d/preview" % self.desk.id, {"message": html, "format": "html",
                                                                    "target_printer": str(self.desk.id)})
        self.assertStatus(response, 200, self.world)
        self.assertEqual(response.header("Content-Type"), "image/png")
        warnings = json.loads(urllib.parse.unquote(response.header("X-Render-Warnings")))
        self.assertIn("/missing.png", warnings[0])


if __name__ == "__main__":
    unittest.main()
