#!/usr/bin/env python3
# fake-consul.py - Consul is not packaged for Debian, so the discovery tests
# run against this small stand-in. It answers the parts of Consul's
# documented HTTP API that GAIA_GO uses, with Consul's JSON shapes:
#   GET /v1/catalog/service/<name>[?dc=DC]     (catalog entries of a service)
#   PUT /v1/agent/service/register              (body: ID, Name, Address, Port, Meta, Check)
#   PUT /v1/agent/service/deregister/<id>
#   GET /v1/agent/services                      (what the agent holds)
# It does not run health checks. Every request is appended to LOG as one
# line "METHOD PATH", and each registration body as "BODY <json>".
# Usage: fake-consul.py HOST PORT LOG [DATACENTER] [PRELOAD.json]
# PRELOAD holds a list of registration bodies known from the start.
import http.server
import json
import sys
import urllib.parse

HOST, PORT, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3]
DC = sys.argv[4] if len(sys.argv) > 4 else "dc1"
services = {}
if len(sys.argv) > 5:
    with open(sys.argv[5]) as f:
        for s in json.load(f):
            services[s.get("ID") or s["Name"]] = s


def log(line):
    with open(LOG, "a") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, code, doc):
        body = json.dumps(doc).encode() if doc is not None else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Consul-Index", "1")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        log("GET " + self.path)
        if q.get("dc", [DC])[0] != DC:
            self.reply(500, None)  # Consul: "No path to datacenter"
            return
        if u.path.startswith("/v1/catalog/service/"):
            name = urllib.parse.unquote(u.path[len("/v1/catalog/service/"):])
            out = []
            for s in services.values():
                if s.get("Name") != name:
                    continue
                out.append({
                    "ID": "00000000-0000-0000-0000-000000000001",
                    "Node": s.get("Meta", {}).get("node_id", "consul-node"),
                    "Address": "127.0.0.1",
                    "Datacenter": DC,
                    "ServiceID": s.get("ID") or name,
                    "ServiceName": name,
                    "ServiceAddress": s.get("Address", ""),
                    "ServicePort": s.get("Port", 0),
                    "ServiceMeta": s.get("Meta", {}),
                    "ServiceTags": s.get("Tags", []),
                })
            self.reply(200, out)
        elif u.path == "/v1/agent/services":
            self.reply(200, {k: {"ID": k, "Service": v.get("Name"), "Address": v.get("Address"),
                                 "Port": v.get("Port"), "Meta": v.get("Meta", {})}
                             for k, v in services.items()})
        else:
            self.reply(404, None)

    def do_PUT(self):
        u = urllib.parse.urlparse(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        log("PUT " + self.path)
        if u.path == "/v1/agent/service/register":
            try:
                s = json.loads(body)
            except ValueError:
                self.reply(400, None)
                return
            log("BODY " + json.dumps(s, sort_keys=True))
            services[s.get("ID") or s["Name"]] = s
            self.reply(200, None)
        elif u.path.startswith("/v1/agent/service/deregister/"):
            services.pop(urllib.parse.unquote(u.path.rsplit("/", 1)[1]), None)
            self.reply(200, None)
        else:
            self.reply(404, None)


http.server.ThreadingHTTPServer((HOST, PORT), Handler).serve_forever()
