"""Serving: the production config holds only real Streamlit options with the safe values; the nginx site has
TLS, the WebSocket upgrade and a sticky upstream; and two dashboard processes behind a real nginx on loopback
(self-signed certificate) are both reached, each browser always by the same one."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from streamlit import config

ROOT = Path(__file__).resolve().parent.parent
PROD = ROOT / "deploy" / "streamlit-production.toml"
NGINX_SITE = ROOT / "deploy" / "nginx.conf"
sys.path.insert(0, str(ROOT / "scripts"))
from config_flags import flags  # noqa: E402

from tests.client import wait_for  # noqa: E402


def production() -> dict[str, object]:
    """The production toml as {"section.key": value}."""
    parsed = tomllib.loads(PROD.read_text(encoding="utf-8"))
    return {f"{section}.{key}": value for section, options in parsed.items() for key, value in options.items()}


def test_production_config_uses_real_options_with_safe_values():
    options = config.get_config_options()
    settings = production()
    unknown = [key for key in settings if key not in options]
    assert not unknown, unknown
    assert settings["server.enableXsrfProtection"] is True
    assert settings["server.enableCORS"] is True  # Streamlit's CORS *protection*: same-origin only
    assert settings["server.address"] == "127.0.0.1"
    assert settings["server.headless"] is True
    assert settings["server.fileWatcherType"] == "none"
    assert settings["runner.postScriptGC"] is False
    assert settings["browser.gatherUsageStats"] is False
    assert settings["server.allowedHosts"] and "*" not in settings["server.allowedHosts"]
    assert settings["client.showErrorDetails"] == "none"
    for key, value in settings.items():  # each value has the option's type
        default = options[key].default_val
        if default is not None:
            assert isinstance(value, type(default)), (key, value, default)


def test_flags_cover_every_setting():
    args = flags(PROD)
    named = {a[2:] for a in args if a.startswith("--")}
    assert named == {k for k, v in production().items() if v != []}
    assert args[args.index("--server.enableCORS") + 1] == "true"


def nginx_site() -> str:
    """The example site without comments."""
    return "\n".join(line.split("#", 1)[0] for line in NGINX_SITE.read_text(encoding="utf-8").splitlines())


def test_nginx_site_has_tls_websocket_and_sticky_upstream():
    site = nginx_site()
    assert re.search(r"listen\s+443\s+ssl", site) and "ssl_certificate " in site and "ssl_certificate_key" in site
    assert re.search(r"return\s+301\s+https://", site)
    stream = re.search(r"location\s+=\s+/_stcore/stream\s*\{(.*?)\n    \}", site, re.S)
    assert stream, "no WebSocket location"
    assert "proxy_set_header Upgrade" in stream.group(1) and "$connection_upgrade" in stream.group(1)
    assert "proxy_http_version 1.1" in stream.group(1)
    upstream = re.search(r"upstream\s+\w+\s*\{(.*?)\}", site, re.S).group(1)
    assert re.search(r"^\s*(ip_hash|hash\s+\S+\s+consistent)\s*;", upstream, re.M), "upstream is not sticky"
    servers = re.findall(r"^\s*server\s+127\.0\.0\.1:(\d+)", upstream, re.M)
    assert len(servers) >= 2
    assert "X-Forwarded-For" in site and "X-Forwarded-Proto" in site
    assert "resolver" not in site and "ssl_stapling on" not in site  # nothing looked up on the internet


# ---------------------------------------------------------------- a real nginx in front of two processes


def _free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, seconds: float = 45) -> None:
    """Wait until something listens on the port (or the process died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing on port {port}")


def _stop(proc: subprocess.Popen) -> None:
    """Terminate a process this test started."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """Two dashboard processes (production flags) behind nginx with deploy/nginx.conf: (https, http, ports, log)."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not nginx or not shutil.which("openssl"):
        pytest.skip("nginx or openssl not installed (scripts/setup.sh installs nginx)")
    tmp = tmp_path_factory.mktemp("nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(tmp / "key.pem"), "-out",
                    str(tmp / "cert.pem")], check=True, capture_output=True)
    ports = [_free_port(), _free_port()]
    https, http_port = _free_port(), _free_port()
    procs: list[subprocess.Popen] = []
    env = {**os.environ, "USERS_FILE": str(tmp / "users.yaml"), "AUDIT_LOG": str(tmp / "audit.log")}
    try:
        for port in ports:
            procs.append(subprocess.Popen(
                [sys.executable, "scripts/serve.py", *flags(PROD), "--server.allowedHosts", "127.0.0.1",
                 "--server.port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True))
        site = NGINX_SITE.read_text(encoding="utf-8")
        site = re.sub(r"^\s*listen \[::\]:\d+.*\n", "", site, flags=re.M)
        site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        site = re.sub(r"(^\s*server 127\.0\.0\.1:\d+;\n)+",
                      "".join(f"    server 127.0.0.1:{p};\n" for p in ports), site, flags=re.M)
        site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp / 'cert.pem'};", site)
        site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp / 'key.pem'};", site)
        (tmp / "site.conf").write_text(site, encoding="utf-8")
        temp_paths = "".join(f"{name}_temp_path {tmp / name};\n" for name in
                             ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the private temp folder
        (tmp / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'};\nevents {{}}\n"
            f"http {{\n log_format up '$http_x_client $upstream_addr $status';\n"
            f" access_log {tmp / 'access.log'} up;\n{temp_paths} include {tmp / 'site.conf'};\n}}\n", encoding="utf-8")
        check = subprocess.run([nginx, "-t", "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(tmp / "nginx.conf")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        procs.append(subprocess.Popen([nginx, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c",
                                       str(tmp / "nginx.conf"), "-g", "daemon off;"]))
        for port in [*ports, https]:
            _wait_port(port, procs[-1] if port == https else procs[ports.index(port)])
        yield https, http_port, ports, tmp / "access.log"
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    """A GET through the proxy's TLS port (self-signed certificate, not verified)."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=20, context=ssl._create_unverified_context())
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.mark.slow
def test_proxy_reaches_both_processes_with_sticky_sessions(proxied):
    https, _, ports, log = proxied
    for client in range(16):  # each a new browser: no affinity cookie on its first request
        first = _get(https, "/_stcore/health", {"X-Client": f"c{client}"})
        assert first.status == 200
        cookie = re.search(r"canlian_affinity=([^;]+)", first.getheader("Set-Cookie") or "").group(1)
        for _ in range(3):
            again = _get(https, "/_stcore/health", {"X-Client": f"c{client}", "Cookie": f"canlian_affinity={cookie}"})
            assert again.status == 200
    served: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        client, upstream, _status = line.split()
        if client.startswith("c"):  # this test's requests (other tests' lines have no X-Client)
            served.setdefault(client, set()).add(upstream)
    assert len(served) == 16
    assert all(len(upstreams) == 1 for upstreams in served.values()), served  # sticky
    assert set().union(*served.values()) == {f"127.0.0.1:{p}" for p in ports}  # both processes used


def _websocket_status(port: int, origin: str) -> int:
    """The status of a WebSocket upgrade for /_stcore/stream through the proxy (101 = switched)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    with ssl._create_unverified_context().wrap_socket(raw, server_hostname="127.0.0.1") as sock:
        sock.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: streamlit\r\nOrigin: {origin}\r\n\r\n")
                     .encode())
        head = sock.recv(4096).decode("latin-1")
    return int(head.split()[1])


@pytest.mark.slow
def test_websocket_upgrade_through_proxy_same_origin_only(proxied):
    https, _, _, log = proxied
    assert _websocket_status(https, f"https://127.0.0.1:{https}") == 101
    assert _websocket_status(https, "https://evil.example") == 403
    # Refused by nginx itself (no upstream), so Streamlit never looks up its external IP on the internet
    # (nginx writes its access log line after the response: wait for it).
    wait_for(lambda: any(line.split()[1:] == ["-", "403"] for line in log.read_text().splitlines()), 10,
             "nginx's own 403 in its log")


@pytest.mark.slow
def test_plain_http_redirects_to_https(proxied):
    _, http_port, _, _ = proxied
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request("GET", "/rehabilitation?year=2024")
    response = conn.getresponse()
    assert response.status == 301
    assert response.getheader("Location").startswith("https://127.0.0.1") and "/rehabilitation?year=2024" in \
        response.getheader("Location")
    conn.close()


@pytest.mark.slow
def test_production_headers(proxied):
    https, _, _, _ = proxied
    response = _get(https, "/", {"Origin": "https://evil.example"})
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security")
    assert response.getheader("Access-Control-Allow-Origin") != "*"  # CORS protection stays on


def test_metrics_denied_by_the_proxy(proxied):
    https, _, _, log = proxied
    assert re.search(r"location\s+=\s+/_stcore/metrics\s*\{\s*return\s+403;", nginx_site())
    response = _get(https, "/_stcore/metrics", {"X-Client": "metrics"})
    assert response.status == 403
    deadline = time.monotonic() + 10
    while not any(line.startswith("metrics ") for line in log.read_text().splitlines()):
        assert time.monotonic() < deadline, "no access log line"
        time.sleep(0.1)
    line = next(line for line in log.read_text().splitlines() if line.startswith("metrics "))
    assert line.split()[1] == "-"  # answered by nginx itself: the request never reached a dashboard process

