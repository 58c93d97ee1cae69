"""Each channel against a real local server: the chat robots' formats and signatures, the signed webhook,
SMTP with STARTTLS and login; failures are told apart (retry or give up)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from hypothesis import given, settings
from hypothesis import strategies as st

from procflow.notify import Envelope, Recipient, make_channel
from procflow.notify.errors import DeliveryFailed, NotifyConfigError
from tests.notify.conftest import Sink, free_port

SECRET = "SEC0123456789abcdef"
STAMP = 1_767_225_600.25  # what the channels' clock says in these tests
ENVELOPE = Envelope("k" * 32, "13800000000", "王敏", "【升级】S-1 已逾期", "**T2** 已逾期 4 小时", "zh-CN", ("k" * 32,))


class Robot(ThreadingHTTPServer):
    """A local HTTP server that records each POST and answers with `answer` (status, JSON)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.answer: tuple[int, dict[str, Any]] = (200, {"errcode": 0, "code": 0})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def last(self) -> tuple[urllib.parse.SplitResult, dict[str, str], Any]:
        path, headers, body = self.requests[-1]
        return urllib.parse.urlsplit(path), headers, json.loads(body)


class _Handler(BaseHTTPRequestHandler):
    server: Robot

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.path, dict(self.headers.items()), body))
        status, answer = self.server.answer
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def robot() -> Iterator[Robot]:
    server = Robot()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _channel(kind: str, url: str, **settings: Any) -> Any:
    channel = make_channel(f"my-{kind}", {"type": kind, "url": url, **settings})
    channel.now = lambda: STAMP
    return channel


def test_wecom_gets_markdown_with_the_mention(robot: Robot) -> None:
    _channel("wecom", robot.url + "/cgi-bin/webhook/send?key=abc").send(ENVELOPE)
    where, headers, body = robot.last()
    assert where.path == "/cgi-bin/webhook/send" and where.query == "key=abc"
    assert headers["Content-Type"] == "application/json"
    assert body == {
        "msgtype": "markdown",
        "markdown": {"content": "**【升级】S-1 已逾期**\n**T2** 已逾期 4 小时\n<@13800000000>"},
    }


def test_dingtalk_signs_the_url_with_timestamp_and_secret(robot: Robot) -> None:
    _channel("dingtalk", robot.url + "/robot/send?access_token=tok", secret=SECRET).send(ENVELOPE)
    where, _, body = robot.last()
    query = dict(urllib.parse.parse_qsl(where.query))
    assert query["access_token"] == "tok" and query["timestamp"] == "1767225600250"  # milliseconds
    expected = hmac.new(SECRET.encode(), f"1767225600250\n{SECRET}".encode(), hashlib.sha256).digest()
    assert base64.b64decode(query["sign"]) == expected
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == ENVELOPE.subject
    assert body["markdown"]["text"].endswith("@13800000000")  # DingTalk shows a mention only if the text has it
    assert body["at"] == {"atMobiles": ["13800000000"], "atUserIds": [], "isAtAll": False}


def test_feishu_signs_the_body_with_timestamp_and_secret(robot: Robot) -> None:
    _channel("feishu", robot.url + "/open-apis/bot/v2/hook/xyz", secret=SECRET).send(
        Envelope("k", "ou_123", "Anna", "Reminder", "due soon")
    )
    _, _, body = robot.last()
    assert body["timestamp"] == "1767225600"  # seconds
    expected = hmac.new(f"1767225600\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    assert base64.b64decode(body["sign"]) == expected
    assert body["msg_type"] == "text"
    assert body["content"] == {"text": '<at user_id="ou_123"></at> Reminder\ndue soon'}


@settings(max_examples=25, deadline=None)
@given(subject=st.text(max_size=80), text=st.text(max_size=400))
def test_the_generic_webhook_signs_exactly_the_bytes_it_sends(subject: str, text: str) -> None:
    server = Robot()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _channel("webhook", server.url + "/hook", secret=SECRET).send(Envelope("key1", "anna", "Anna", subject, text))
        _, headers, raw = server.requests[-1]
    finally:
        server.shutdown()
        server.server_close()
    signed = headers["X-Procflow-Timestamp"].encode() + b"." + raw
    assert headers["X-Procflow-Signature"] == "sha256=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Procflow-Key"] == "key1"
    body = json.loads(raw)
    assert (body["subject"], body["text"], body["to"], body["keys"]) == (subject, text, "anna", ["key1"])


@pytest.mark.parametrize(
    ("kind", "answer", "permanent"),
    [
        ("dingtalk", (200, {"errcode": 310000, "errmsg": "sign not match"}), False),
        ("feishu", (200, {"code": 19021, "msg": "sign match fail"}), False),
        ("wecom", (400, {}), True),
        ("webhook", (503, {}), False),
        ("webhook", (429, {}), False),
    ],
    ids=["dingtalk-refuses", "feishu-refuses", "http-400-is-final", "http-503-is-retried", "http-429-is-retried"],
)
def test_a_refusal_is_a_delivery_failure_that_says_whether_to_retry(
    robot: Robot, kind: str, answer: tuple[int, dict[str, Any]], permanent: bool
) -> None:
    robot.answer = answer
    with pytest.raises(DeliveryFailed) as caught:
        _channel(kind, robot.url + "/x?a=1", secret=SECRET).send(ENVELOPE)
    assert caught.value.permanent is permanent and caught.value.channel == f"my-{kind}"


def test_an_unknown_channel_type_lists_the_known_and_secrets_come_from_the_environment() -> None:
    with pytest.raises(NotifyConfigError, match=r"unknown type 'dingtlk'; did you mean 'dingtalk'\?; known types: d"):
        make_channel("x", {"type": "dingtlk", "url": "https://x"})
    with pytest.raises(NotifyConfigError, match="PROCFLOW_TEST_NO_SUCH_VAR"):
        make_channel("x", {"type": "feishu", "url": "https://x", "secret_env": "PROCFLOW_TEST_NO_SUCH_VAR"})
    with pytest.raises(NotifyConfigError, match="url must be an http"):
        make_channel("x", {"type": "wecom", "url": "ftp://x"})


def test_a_robot_reaches_the_group_and_mentions_a_handle_if_the_person_has_one() -> None:
    channel = make_channel("sales-group", {"type": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send"})
    assert channel.address(Recipient("a", "A", chat={"sales-group": "138"})) == "138"
    assert channel.address(Recipient("a", "A", chat={"dingtalk": "139"})) == "139"
    assert channel.address(Recipient("a", "A")) == ""
    assert make_channel("m", {"type": "smtp"}).address(Recipient("a", "A")) is None  # no email: not by mail


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_smtp_with_starttls_and_login_sends_text_and_html(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret", handled=False)

    sink, port = Sink(), free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        settings = {"type": "smtp", "host": "127.0.0.1", "port": port, "cafile": str(cert), "username": "bot"}
        make_channel("mail", {**settings, "password": "s3cret", "sender": "procflow <p@x.cn>"}).send(ENVELOPE)
        with pytest.raises(DeliveryFailed) as caught:
            make_channel("mail", {**settings, "password": "wrong"}).send(ENVELOPE)
        assert caught.value.permanent
    finally:
        controller.stop()
    assert logins[0] == (b"bot", b"s3cret") and set(logins[1:]) == {(b"bot", b"wrong")}  # smtplib tries each way
    mail: EmailMessage = sink.messages[0]
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["Subject"] == ENVELOPE.subject and mail["From"] == "procflow <p@x.cn>"
    assert "<strong>T2</strong>" in mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
