"""A fake GOV.UK Notify API on loopback (pytest-httpserver) that checks the token as Notify does.

Notify's API finds the service from the token's ``iss``, then verifies the
token with that service's API key secret using the same functions of
notifications-python-client that this fake calls (HS256, ``iat`` within 30
seconds). A wrong or stale token gets Notify's 403; a missing one its 401.
``POST /v2/notifications/sms`` then checks the template and its
personalisation, renders ``((placeholders))`` and records the send.

``fail_with`` makes every send answer that HTTP status with Notify's error
body (429 rate limit, 500 error); :meth:`stop` takes the API away entirely.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from notifications_python_client.errors import TokenError
from werkzeug import Request, Response

from tests.support.loopback import LoopbackAPI

MAX_LENGTH = 918
PLACEHOLDER = re.compile(r"\(\(([^()]+)\)\)")


@dataclass(frozen=True)
class Sent:
    phone_number: str
    template_id: str
    personalisation: Dict[str, Any]
    body: str  # the template with its placeholders filled in: what the phone shows


def _error(status: int, kind: str, message: str) -> Response:
    body = {"errors": [{"error": kind, "message": message}], "status_code": status}
    return Response(json.dumps(body), status=status, content_type="application/json")


class FakeNotify(LoopbackAPI):
    """One service with one API key and one text message template."""

    def __init__(self, template: str = "((message))") -> None:
        self.service_id = str(uuid.uuid4())
        self.secret = str(uuid.uuid4())
        self.api_key = f"signpost_test-{self.service_id}-{self.secret}"
        self.template_id = str(uuid.uuid4())
        self.template = template
        self.fail_with: Optional[int] = None
        self.sent: List[Sent] = []
        self.refused: List[str] = []  # why each refused request was refused
        super().__init__()

    def start(self) -> "FakeNotify":
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server.is_running():
            self.server.stop()

    def _refuse(self, status: int, kind: str, message: str) -> Response:
        with self._lock:
            self.refused.append(message)
        return _error(status, kind, message)

    def _answer(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return self._refuse(401, "AuthError", "Unauthorized: authentication token must be provided")
        token = header[len("Bearer ") :]
        try:
            if get_token_issuer(token) != self.service_id:
                return self._refuse(403, "AuthError", "Invalid token: service not found")
            decode_jwt_token(token, self.secret)
        except TokenError as exc:
            return self._refuse(403, "AuthError", exc.message)
        if request.method != "POST" or request.path != "/v2/notifications/sms":
            return _error(404, "BadRequestError", "Not found")
        if self.fail_with is not None:
            return _error(self.fail_with, "Error", "the fake was told to fail")
        return self._send_sms(request.get_json(silent=True) or {})

    def _send_sms(self, data: Dict[str, Any]) -> Response:
        if data.get("template_id") != self.template_id:
            return self._refuse(400, "BadRequestError", "Template not found")
        values = data.get("personalisation") or {}
        missing = [name for name in PLACEHOLDER.findall(self.template) if name not in values]
        if missing:
            return self._refuse(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        body = PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), self.template)
        if len(body) > MAX_LENGTH:
            return self._refuse(400, "BadRequestError", "Text messages cannot be longer than 918 characters")
        sent = Sent(str(data.get("phone_number")), self.template_id, dict(values), body)
        with self._lock:
            self.sent.append(sent)
        answer = {
            "id": str(uuid.uuid4()),
            "reference": None,
            "content": {"body": body, "from_number": "GOVUK"},
            "uri": f"{self.url}/v2/notifications/{uuid.uuid4()}",
            "template": {"id": self.template_id, "version": 1, "uri": f"{self.url}/v2/template/x"},
        }
        return Response(json.dumps(answer), status=201, content_type="application/json")
