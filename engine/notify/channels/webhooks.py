"""JSON webhooks: a generic one signed with HMAC, and the group robots of WeCom, DingTalk and Feishu/Lark.

Formats, as their documentation gives them:
* generic: our JSON; headers `X-Procflow-Key`, `X-Procflow-Timestamp` and `X-Procflow-Signature:
  sha256=<hex HMAC-SHA256 over "<timestamp>.<body>">`;
* WeCom (企业微信) group robot: `{"msgtype": "markdown", "markdown": {"content": …}}`, a person mentioned as
  `<@userid>`; the key is in the URL;
* DingTalk (钉钉) custom robot: `{"msgtype": "markdown", "markdown": {"title", "text"}, "at": {"atMobiles",
  "atUserIds", "isAtAll"}}`; with a secret, `&timestamp=<ms>&sign=<urlencode(base64(HmacSHA256(key=secret,
  "<ms>\\n<secret>")))>` is added to the URL;
* Feishu/Lark (飞书) custom bot: `{"msg_type": "text", "content": {"text": …}}`, a person mentioned as
  `<at user_id="…"></at>`; with a secret, `"timestamp": "<s>"` and `"sign": base64(HmacSHA256(key="<s>\\n<secret>",
  ""))` go in the body.
A robot answers HTTP 200 with an error code in JSON (`errcode` / `code`); anything but 0 is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from ..errors import DeliveryFailed, NotifyConfigError
from ..recipients import Recipient
from .base import Envelope, handle, register_channel, secret

TIMEOUT_S = 15.0


def _post(channel: str, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> bytes:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    for key, value in headers.items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer: bytes = response.read()
            return answer
    except urllib.error.HTTPError as exc:
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise DeliveryFailed(channel, f"HTTP {exc.code} {exc.reason}", permanent=permanent) from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(channel, f"cannot reach {urllib.parse.urlsplit(url).netloc}: {exc}") from None


def _robot_answer(channel: str, answer: bytes, field: str) -> None:
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        raise DeliveryFailed(channel, f"the robot answered with something not JSON: {answer[:80]!r}") from None
    code = data.get(field, 0) if isinstance(data, dict) else 0
    if code not in (0, None):
        message = data.get("errmsg") or data.get("msg") or ""
        raise DeliveryFailed(channel, f"the robot refused the message: {field} {code} {message}".rstrip())


class _Webhook:
    kind = "webhook"

    def __init__(self, name: str, settings: Mapping[str, Any]) -> None:
        self.name = name
        url = settings.get("url")
        if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise NotifyConfigError(f"channel {name!r}: url must be an http(s) URL")
        self.url = url
        self.secret = secret(name, settings, "secret")
        self.timeout = float(settings.get("timeout", TIMEOUT_S))

    def address(self, person: Recipient) -> str | None:
        return handle(person, self.name, self.kind) or ""  # a group robot reaches the group; a handle mentions

    def now(self) -> float:
        return time.time()


class JSONWebhook(_Webhook):
    kind = "webhook"

    def address(self, person: Recipient) -> str | None:
        return handle(person, self.name, self.kind) or person.id

    def send(self, envelope: Envelope) -> None:
        body = json.dumps(
            {
                "key": envelope.key,
                "keys": list(envelope.keys or (envelope.key,)),
                "to": envelope.to,
                "name": envelope.name,
                "subject": envelope.subject,
                "text": envelope.body,
                "locale": envelope.locale,
            },
            ensure_ascii=False,
        ).encode()
        stamp = str(int(self.now()))
        headers = {"X-Procflow-Key": envelope.key, "X-Procflow-Timestamp": stamp}
        if self.secret:
            mac = hmac.new(self.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            headers["X-Procflow-Signature"] = f"sha256={mac}"
        _post(self.name, self.url, body, headers, self.timeout)


class WeComRobot(_Webhook):
    kind = "wecom"

    def send(self, envelope: Envelope) -> None:
        mention = f"\n<@{envelope.to}>" if envelope.to else ""
        content = f"**{envelope.subject}**\n{envelope.body}{mention}"
        body = json.dumps({"msgtype": "markdown", "markdown": {"content": content}}, ensure_ascii=False).encode()
        _robot_answer(self.name, _post(self.name, self.url, body, {}, self.timeout), "errcode")


def dingtalk_sign(stamp_ms: str, secret_text: str) -> str:
    mac = hmac.new(secret_text.encode(), f"{stamp_ms}\n{secret_text}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(mac))


class DingTalkRobot(_Webhook):
    kind = "dingtalk"

    def send(self, envelope: Envelope) -> None:
        to = envelope.to
        mobiles, users = ([to], []) if to.lstrip("+").isdigit() else ([], [to] if to else [])
        text = f"### {envelope.subject}\n\n{envelope.body}" + (f"\n\n@{to}" if to else "")
        message = {
            "msgtype": "markdown",
            "markdown": {"title": envelope.subject, "text": text},
            "at": {"atMobiles": mobiles, "atUserIds": users, "isAtAll": False},
        }
        url = self.url
        if self.secret:
            stamp = str(int(self.now() * 1000))
            url += ("&" if "?" in url else "?") + f"timestamp={stamp}&sign={dingtalk_sign(stamp, self.secret)}"
        body = json.dumps(message, ensure_ascii=False).encode()
        _robot_answer(self.name, _post(self.name, url, body, {}, self.timeout), "errcode")


def feishu_sign(stamp_s: str, secret_text: str) -> str:
    mac = hmac.new(f"{stamp_s}\n{secret_text}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


class FeishuRobot(_Webhook):
    kind = "feishu"

    def send(self, envelope: Envelope) -> None:
        mention = f'<at user_id="{envelope.to}"></at> ' if envelope.to else ""
        message: dict[str, Any] = {
            "msg_type": "text",
            "content": {"text": f"{mention}{envelope.subject}\n{envelope.body}"},
        }
        if self.secret:
            stamp = str(int(self.now()))
            message = {"timestamp": stamp, "sign": feishu_sign(stamp, self.secret), **message}
        body = json.dumps(message, ensure_ascii=False).encode()
        _robot_answer(self.name, _post(self.name, self.url, body, {}, self.timeout), "code")


register_channel("webhook", JSONWebhook)
register_channel("wecom", WeComRobot)
register_channel("dingtalk", DingTalkRobot)
register_channel("feishu", FeishuRobot)
register_channel("lark", FeishuRobot)
