"""Helpers of the conformance tests: certificates, servers on loopback (pages in Chromium come
from the `in_page` fixture of conftest.py)."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# -- certificates ----------------------------------------------------------------------------

def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_cert(subject: str, issuer_key: Any | None = None, issuer: x509.Certificate | None = None,
              *, ca: bool = False, names: tuple[str, ...] = (), days: tuple[int, int] = (-1, 90)
              ) -> tuple[x509.Certificate, Any]:
    """A certificate and its key: self-signed without an issuer; `days` from and to today."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject))
               .issuer_name(issuer.subject if issuer else _name(subject))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now + datetime.timedelta(days=days[0]))
               .not_valid_after(now + datetime.timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()),  # type: ignore[arg-type]
            critical=False)
    if names:
        alt: list[x509.GeneralName] = []
        for n in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                alt.append(x509.DNSName(n))
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    return cert, key


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def key_pem(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class PKI:
    """A test root, an intermediate under it, and leaves for 127.0.0.1 in every bad shape."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root, self.root_key = make_cert("govaudit test root", ca=True, days=(-1, 3650))
        self.inter, self.inter_key = make_cert("govaudit test intermediate", self.root_key,
                                               self.root, ca=True, days=(-1, 1825))
        self.ca_file = folder / "root.pem"
        self.ca_file.write_bytes(pem(self.root))

    def leaf(self, name: str, *, names: tuple[str, ...] = ("127.0.0.1", "localhost"),
             days: tuple[int, int] = (-1, 90), chain: bool = True) -> tuple[Path, Path]:
        """(certificate file, key file) of a leaf under the intermediate; `chain` sends the
        intermediate too."""
        cert, key = make_cert(name, self.inter_key, self.inter, names=names, days=days)
        cert_file, key_file = self.folder / f"{name}.pem", self.folder / f"{name}.key"
        cert_file.write_bytes(pem(cert, self.inter) if chain else pem(cert))
        key_file.write_bytes(key_pem(key))
        return cert_file, key_file


def serve_tls(handler: type[http.server.BaseHTTPRequestHandler], cert: Path, key: Path,
              servers: list) -> int:
    """An HTTPS server on 127.0.0.1 with that certificate chain; its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    servers.append(server)
    return server.server_address[1]


def serve_on(handler: type[http.server.BaseHTTPRequestHandler], host: str, port: int,
             servers: list) -> int:
    """A plain HTTP server on `host` (127.0.0.1 or ::1) and `port` (0: any free)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET

    class Server(http.server.ThreadingHTTPServer):
        address_family = family
        daemon_threads = True

    server = Server((host, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    servers.append(server)
    return server.server_address[1]


class Quiet(http.server.BaseHTTPRequestHandler):
    """Serves `pages` (path -> (status, headers, body)); 404 elsewhere."""

    pages: dict[str, tuple[int, dict[str, str], str]] = {}

    def do_GET(self) -> None:  # noqa: N802
        status, headers, body = self.pages.get(self.path, (404, {}, "not found"))
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def site(pages: dict[str, tuple[int, dict[str, str], str]]) -> type[Quiet]:
    return type("Site", (Quiet,), {"pages": pages})
