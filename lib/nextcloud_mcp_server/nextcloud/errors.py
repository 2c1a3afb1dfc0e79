"""One exception tree for everything Nextcloud answers, raised in one place.

    NextcloudError             .status, .detail (Nextcloud's own message, trimmed; never a credential),
                               .subject (what the request was about, e.g. "note 42", when the client knows)
    ├─ BadRequest 400          ├─ Unauthorized 401      ├─ Forbidden 403
    ├─ NotFound 404            ├─ MethodNotAllowed 405  ├─ Conflict 409
    ├─ PreconditionFailed 412 (.current_etag, .current: the current object when Nextcloud sends it)
    │  └─ DestinationExists    a MOVE/COPY without overwrite found its target taken (.destination)
    ├─ Locked 423              ├─ RateLimited 429       ├─ InsufficientStorage 507
    ├─ ServerError 5xx         ├─ Unreachable (connection failure or timeout; status 0)
    │                             └─ UntrustedCertificate (TLS verification of Nextcloud's certificate failed)
    ├─ BadResponse (a 2xx whose shape is not what Nextcloud documents)
    ├─ Refused (a rule of Nextcloud's, named in .detail, refused it; .status is what it answered)
    ├─ NotAdmin (an account or group action only administrators may take; .status is what it answered)
    ├─ AppUnavailable (the app is not installed or not enabled for the caller; .app, .title)
    └─ FileTooLarge (status 0: refused here, before or while downloading; .path, .size, .limit)

`raise_for_status` is the only code that turns a status into a type.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import httpx
    from pydantic import BaseModel


_SABRE_MESSAGE = re.compile(rb"<s:message>(.*?)</s:message>", re.S)
_MAX_DETAIL = 300
_VERIFY_REASON = re.compile(r"certificate verify failed: ([^(]+)")


class InvalidInput(ValueError):
    """Caller input that cannot become a valid request; `argument` names it (mapped to "Invalid argument")."""

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(f"{argument}: {problem}")
        self.argument = argument
        self.problem = problem


class NextcloudError(Exception):
    """Nextcloud refused or failed a request."""

    status: int = 0
    subject: str | None = None
    """What the request was about ("note 42"): named in the message, kept apart from Nextcloud's own words."""

    def __init__(self, detail: str = "", *, status: int | None = None) -> None:
        if status is not None:
            self.status = status
        self.detail = detail[:_MAX_DETAIL]
        if not self.status:  # no HTTP answer (or not a usable one): the detail says it all
            super().__init__(self.detail or type(self).__name__)
        else:
            super().__init__(f"HTTP {self.status}: {self.detail}" if self.detail else f"HTTP {self.status}")


class BadRequest(NextcloudError):
    status = 400


class Unauthorized(NextcloudError):
    status = 401


class Forbidden(NextcloudError):
    status = 403


class NotFound(NextcloudError):
    status = 404


class MethodNotAllowed(NextcloudError):
    status = 405


class Conflict(NextcloudError):
    status = 409


class PreconditionFailed(NextcloudError):
    """The object changed since the caller read it; `current_etag` is its version now."""

    status = 412

    def __init__(self, detail: str = "", *, current_etag: str | None = None, current: Any = None) -> None:
        super().__init__(detail)
        self.current_etag = current_etag
        self.current = current


class DestinationExists(PreconditionFailed):
    """MOVE/COPY with `Overwrite: F` whose destination exists: Nextcloud answers 412 instead of replacing it."""

    def __init__(self, destination: str, detail: str = "") -> None:
        super().__init__(detail)
        self.destination = destination


class Locked(NextcloudError):
    status = 423


class RateLimited(NextcloudError):
    status = 429


class InsufficientStorage(NextcloudError):
    status = 507


class ServerError(NextcloudError):
    status = 500


class Unreachable(NextcloudError):
    """No answer: connection refused, DNS failure, TLS failure or timeout."""

    status = 0


class UntrustedCertificate(Unreachable):
    """Nextcloud's TLS certificate could not be verified (self-signed or private CA, wrong name, expired)."""


class BadResponse(NextcloudError):
    """Nextcloud answered, but not in the documented shape."""

    status = 0


M = TypeVar("M", bound="BaseModel")


def parsed(model: type[M], data: Any, what: str) -> M:
    """`data` (an app's JSON answer) as `model`, or BadResponse naming `what`: the one place a client
    turns an answer in another shape than the app documents into an error."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError:
        raise BadResponse(f"{what} is not in the documented shape") from None


class Refused(NextcloudError):
    """Nextcloud refused the request for a reason `detail` names: one of its rules (a password policy,
    an enforced expiry date, a share type the administrator disabled, permissions beyond one's own),
    or a path or recipient it cannot find.

    `status` is what Nextcloud answered; an API that answers all of these with the same few statuses
    (the sharing API uses 400, 403 and 404 alike) raises this, so the message points at Nextcloud's
    reason instead of guessing one from the status ("malformed", "does not exist")."""


class NotAdmin(NextcloudError):
    """Managing accounts or reading other accounts' details, refused because the caller is neither an
    administrator nor a group admin. Nextcloud itself never says so (it answers 400, 403 or 404 with
    an empty or unrelated message); the users client finds it out and raises this instead."""


class AppUnavailable(NextcloudError):
    """The Nextcloud app a request needs is not installed or not enabled for the caller.

    Found from the answer, for an app that shows no capabilities to gate on (Shopping List):
    Nextcloud's router, not the app, answered its route with 404. `app` is the app's id, `title`
    its name; the gating wording (registry.Requirement) names it."""

    status = 404

    def __init__(self, app: str, title: str, detail: str = "") -> None:
        super().__init__(detail)
        self.app, self.title = app, title


class FileTooLarge(NextcloudError):
    """The file is larger than the caller allowed; nothing (more) was downloaded."""

    status = 0

    def __init__(self, path: str, size: int, limit: int) -> None:
        super().__init__(f"{path} is {size} bytes, over the limit of {limit} bytes")
        self.path, self.size, self.limit = path, size, limit


_BY_STATUS: dict[int, type[NextcloudError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    412: PreconditionFailed,
    423: Locked,
    429: RateLimited,
    507: InsufficientStorage,
}


def detail_of(response: httpx.Response) -> str:
    """Nextcloud's own explanation: Sabre's <s:message>, an OCS meta message, or a JSON message."""
    try:
        body = response.content
    except _response_not_read():
        return ""
    if not body:
        return ""
    match = _SABRE_MESSAGE.search(body)
    if match:
        return match.group(1).decode("utf-8", "replace").strip()
    ctype = response.headers.get("Content-Type", "")
    if "json" in ctype:
        try:
            data = response.json()
        except ValueError:
            return ""
        if isinstance(data, dict):
            meta = data.get("ocs", {}).get("meta", {}) if isinstance(data.get("ocs"), dict) else {}
            for candidate in (meta.get("message"), data.get("message"), data.get("error")):
                if isinstance(candidate, str) and candidate:
                    return candidate
    return ""


def not_found(subject: str, detail: str = "") -> NotFound:
    """A NotFound about `subject` ("addressbook 'work'"): our naming of the object, Nextcloud's `detail`."""
    error = NotFound(detail)
    error.subject = subject
    return error


def error_for(
    status: int, detail: str = "", *, current_etag: str | None = None, subject: str | None = None
) -> NextcloudError:
    """The typed error for a status (used by raise_for_status and by OCS v1 meta codes)."""
    error: NextcloudError
    if status == 412:
        error = PreconditionFailed(detail, current_etag=current_etag)
    elif (cls := _BY_STATUS.get(status)) is not None:
        error = cls(detail)
    elif status >= 500:
        error = ServerError(detail, status=status)
    else:
        error = NextcloudError(detail, status=status)
    error.subject = subject
    return error


def raise_for_status(response: httpx.Response) -> None:
    """Raise the typed error for a non-2xx response (the body must have been read)."""
    if response.is_success:
        return
    raise error_for(response.status_code, detail_of(response), current_etag=response.headers.get("ETag"))


def unreachable(exc: httpx.RequestError, base_url: str) -> Unreachable:
    """Describe a transport failure without leaking request details (URLs may carry credentials)."""
    kind = type(exc).__name__
    reason = str(exc).split("\n")[0][:160]
    if not reason:
        reason = "no answer in time" if _is_timeout(exc) else kind
    from nextcloud_mcp_server.http import is_certificate_failure

    if is_certificate_failure(exc):
        why = _VERIFY_REASON.search(reason)
        return UntrustedCertificate(
            f"cannot reach Nextcloud at {base_url}: certificate verification failed "
            f"({why.group(1).strip() if why else 'untrusted certificate'}). Set NEXTCLOUD_CA_BUNDLE to the PEM "
            "file of the CA that signed it (or NEXTCLOUD_VERIFY_SSL=false, for testing only)"
        )
    return Unreachable(f"cannot reach Nextcloud at {base_url}: {kind}: {reason}")


def _response_not_read() -> type[Exception]:
    import httpx  # imported on first error, not at start-up: tools import this module

    return httpx.ResponseNotRead


def _is_timeout(exc: Exception) -> bool:
    import httpx

    return isinstance(exc, httpx.TimeoutException)
