"""QR codes for text-to-join (opens the SMS app with the keyword filled in) and for form links."""

from __future__ import annotations

import io
from typing import Annotated, Literal
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator


class QrRequest(BaseModel):
    """Query of ``GET /v1/qr``: ``keyword`` + ``number``, or ``url``."""

    model_config = ConfigDict(extra="forbid")

    keyword: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = None
    number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]{3,15}$")] | None = None
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)] | None = None
    format: Literal["svg", "png"] = "svg"
    # SMSTO: is what Android and most scanners read; sms: with ?body= is the iOS form.
    scheme: Literal["smsto", "sms"] = "smsto"
    scale: int = Field(default=8, ge=1, le=40)  # pixels per module
    border: int = Field(default=4, ge=0, le=10)  # quiet zone in modules (4 is the standard)
    ecc: Literal["L", "M", "Q", "H"] = "M"  # error correction: higher survives damage, needs more modules

    @model_validator(mode="after")
    def _one_target(self) -> QrRequest:
        if self.url is not None:
            if self.keyword is not None or self.number is not None:
                raise ValueError("give url, or keyword and number — not both")
            parts = urlsplit(self.url)
            if parts.scheme not in ("https", "http") or not parts.netloc:
                raise ValueError("url must be an http(s) URL")
        elif self.keyword is None or self.number is None:
            raise ValueError("give keyword and number (text-to-join), or url (a form link)")
        return self

    def content(self) -> str:
        if self.url is not None:
            return self.url
        assert self.keyword is not None and self.number is not None
        if self.scheme == "sms":
            return f"sms:{self.number}?body={quote(self.keyword)}"
        return f"SMSTO:{self.number}:{self.keyword}"


def render_qr(request: QrRequest) -> tuple[bytes, str]:
    import segno  # loaded only by the QR route, not at cold start

    code = segno.make(request.content(), error=request.ecc.lower(), micro=False)
    buffer = io.BytesIO()
    if request.format == "png":
        code.save(buffer, kind="png", scale=request.scale, border=request.border)
        return buffer.getvalue(), "image/png"
    code.save(buffer, kind="svg", scale=request.scale, border=request.border, xmldecl=False, title=request.content())
    return buffer.getvalue(), "image/svg+xml"
