"""A run's own certificate authority and server certificates (``trustme``), as files in the run's folder.

Clients that insist on https keep talking to the real host name (``api.example.test``); the egress hook
sends the connection to the simulator and makes the client trust this CA, and the simulator serves a
certificate for that name signed by it. Nothing here touches a framework's environment.

>>> tls = RunTLS.create(tmp_path / "tls", ["api.example.test"])      # doctest: +SKIP
>>> site = aiohttp.web.TCPSite(runner, "127.0.0.1", port, ssl_context=tls.server_context())  # doctest: +SKIP
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

CA_FILE = "ca.pem"
CA_BUNDLE = "ca-bundle.pem"
SERVER_CERT = "server-chain.pem"
SERVER_KEY = "server-key.pem"


def _default_bundle() -> bytes:
    """The roots this machine's clients trust by default (OpenSSL's default file, else certifi's)."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_bytes()
    try:
        import certifi

        return Path(certifi.where()).read_bytes()
    except (ImportError, OSError):
        return b""


@dataclass
class RunTLS:
    """The CA and one server certificate (all ``hosts`` as subject alternative names) of a run."""

    directory: Path
    hosts: list[str] = field(default_factory=list)

    @property
    def ca_file(self) -> Path:
        return self.directory / CA_FILE

    @property
    def ca_bundle(self) -> Path:
        """The machine's default roots plus the CA (for ``SSL_CERT_FILE`` / ``REQUESTS_CA_BUNDLE``)."""
        return self.directory / CA_BUNDLE

    @property
    def cert_file(self) -> Path:
        return self.directory / SERVER_CERT

    @property
    def key_file(self) -> Path:
        return self.directory / SERVER_KEY

    @classmethod
    def create(cls, directory: str | Path, hosts: Iterable[str]) -> "RunTLS":
        """Generate a fresh CA and a server certificate for ``hosts`` (plus 127.0.0.1) into ``directory``."""
        import trustme

        names = sorted({h.lower().rstrip(".") for h in hosts if h})
        if not names:
            raise ValueError("a server certificate needs at least one host name")
        directory = Path(directory).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA(organization_name="adapter-acceptance run CA")
        cert = ca.issue_cert(*names, "127.0.0.1")
        tls = cls(directory, names)
        ca.cert_pem.write_to_path(str(tls.ca_file))
        cert.private_key_pem.write_to_path(str(tls.key_file))
        tls.key_file.chmod(0o600)
        with open(tls.cert_file, "wb") as fh:
            for blob in cert.cert_chain_pems:
                fh.write(blob.bytes())
        tls.ca_bundle.write_bytes(_default_bundle().rstrip(b"\n") + b"\n" + tls.ca_file.read_bytes())
        return tls

    def server_context(self) -> ssl.SSLContext:
        """The context for the simulator's aiohttp server (``TCPSite(..., ssl_context=...)``)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert_file), str(self.key_file))
        context.set_alpn_protocols(["http/1.1"])
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting only this CA (for the harness's own checks of the simulator)."""
        return ssl.create_default_context(cafile=str(self.ca_file))
