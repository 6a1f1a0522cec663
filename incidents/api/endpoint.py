"""The front door of every API view: method, bearer token, rate limit, JSON body, JSON errors.

Checks run in this order, so a client always learns about the most basic problem first:
405 (method), 401 (token), 429 (writes per minute), 413 (size), 415 (content type), 400 (JSON).
Whatever goes wrong, the answer is `{"error": {"code", "message", "fields"}}` and never HTML: a
model's ValidationError is a 400 naming the fields, and a model method that refuses the token's
user (PermissionDenied) is a 403 with the method's own message.
"""

import json
from functools import wraps

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from incidents.models import ApiToken
from incidents.write_limits import count_write, writes_per_minute

MAX_BODY_BYTES = 64 * 1024
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WWW_AUTHENTICATE = 'Bearer realm="api"'


class ApiError(Exception):
    """Raised anywhere below a view to answer with a JSON error."""

    def __init__(self, status, code, message, *, fields=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        return error_response(self.status, self.code, self.message, self.fields, self.headers)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def error_response(status, code, message, fields=None, headers=None) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def validation_error(error: ValidationError) -> ApiError:
    """A model or form ValidationError as a 400 naming each field."""
    if hasattr(error, "error_dict"):
        fields = {name: " ".join(messages) for name, messages in error.message_dict.items()}
        general = fields.pop(NON_FIELD_ERRORS, "")
        return ApiError(400, "invalid", general or "Some fields need attention.", fields=fields)
    return ApiError(400, "invalid", " ".join(error.messages))


def api_view(*methods: str, query: tuple[str, ...] = (), body: bool = True):
    """Wrap a view taking (request, ...) that may read `request.payload` and `request.user`.
    Query parameters other than `query` are refused, so a misspelt filter is not silently ignored.
    A view with `body=False` (an action such as publishing a draft) may be sent no body at all;
    one with `body="multipart"` (an upload) takes multipart/form-data: its fields as the payload,
    its files in `request.FILES`, its size bounded by REQUEST_BODY_LIMITS before it is read.
    """
    allowed = tuple(methods)

    def decorator(view):
        @csrf_exempt  # token auth, no cookies: there is no session for a forged request to ride
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            try:
                _front_door(request, allowed, query, body)
                return view(request, *args, **kwargs)
            except ApiError as error:
                return error.response()
            except ValidationError as error:
                return validation_error(error).response()
            except PermissionDenied as error:
                return forbidden(str(error) or "This token's user may not do that.").response()

        return wrapper

    return decorator


def _front_door(request: HttpRequest, allowed: tuple, query: tuple, body: bool) -> None:
    """Method, token, rate limit, query and body, in the order the module docstring gives."""
    if request.method not in allowed:
        raise ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed here; use {', '.join(allowed)}.",
            headers={"Allow": ", ".join(allowed)},
        )
    token = _authenticate(request)
    request.user = token.user
    request.api_token = token
    if request.method in WRITE_METHODS:
        _count_write(token)
    _check_query(request, query)
    if body == "multipart":
        request.payload = _read_form(request)
    else:
        request.payload = _read_json(request, body)


def _authenticate(request: HttpRequest) -> ApiToken:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if not header:
        raise ApiError(
            401,
            "unauthenticated",
            "Send an API token in the header: Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": WWW_AUTHENTICATE},
        )
    token = ApiToken.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise ApiError(
            401,
            "invalid_token",
            "This API token is unknown or has been revoked.",
            headers={"WWW-Authenticate": f'{WWW_AUTHENTICATE}, error="invalid_token"'},
        )
    return token


def _count_write(token: ApiToken) -> None:
    """A fixed one-minute window per token, counted in the cache shared by all processes."""
    retry_after = count_write(f"token:{token.key_hash[:20]}")
    if retry_after is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"This token may make {writes_per_minute()} changes a minute; "
            f"try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


def _check_query(request: HttpRequest, known: tuple[str, ...]) -> None:
    unknown = [name for name in request.GET if name not in known]
    if unknown:
        expected = f"expected one of {', '.join(known)}" if known else "this takes none"
        raise ApiError(
            400,
            "invalid",
            "Unknown query parameter.",
            fields={name: f"Unknown query parameter; {expected}." for name in unknown},
        )


def _read_json(request: HttpRequest, expected: bool = True) -> dict:
    if request.method not in WRITE_METHODS:
        return {}
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ApiError(400, "bad_request", "The Content-Length header is not a number.") from None
    if declared > MAX_BODY_BYTES:
        raise _too_large(declared)
    if declared == 0 and (request.method == "DELETE" or not expected):
        return {}
    if request.content_type != "application/json":
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the body as JSON with the header Content-Type: application/json.",
        )
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        raise _too_large(len(body))
    if not body.strip():
        raise ApiError(400, "malformed_json", "The request body is empty; send a JSON object.")
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "The request body is not valid UTF-8.") from None
    except json.JSONDecodeError as error:
        raise ApiError(
            400,
            "malformed_json",
            f"The body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}.",
        ) from None
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "malformed_json", f"The body is not valid JSON: {error}.") from None
    if not isinstance(data, dict):
        raise ApiError(
            400, "malformed_json", f"The body must be a JSON object, not {_json_type(data)}."
        )
    return data


def _read_form(request: HttpRequest) -> dict:
    if request.content_type != "multipart/form-data":
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the file as multipart/form-data, with a `file` part and the fields as parts.",
        )
    return {name: request.POST.get(name) for name in request.POST}


def _too_large(size: int) -> ApiError:
    return ApiError(
        413,
        "payload_too_large",
        f"The body is {size:,} bytes; the API accepts at most {MAX_BODY_BYTES:,}.",
    )


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _json_type(value) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


@csrf_exempt
def not_found(request: HttpRequest, path: str = ""):
    """Anything else under /api/v1/ answers in JSON too."""
    message = f"There is nothing at /api/v1/{path}."
    if path.endswith("/"):
        message += f" API paths have no trailing slash: try /api/v1/{path.rstrip('/')}."
    return error_response(404, "not_found", message)
