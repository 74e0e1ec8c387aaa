"""QR codes for text-to-join (opens the SMS app with the keyword filled in) and for form links."""

from __future__ import annotations

import io

from ..api.public import QrRequest


def render_qr(request: QrRequest) -> tuple[bytes, str]:
    import segno  # loaded only by the QR route, not at cold start

    code = segno.make(request.content(), error=request.ecc.lower(), micro=False)
    buffer = io.BytesIO()
    if request.format == "png":
        code.save(buffer, kind="png", scale=request.scale, border=request.border)
        return buffer.getvalue(), "image/png"
    code.save(buffer, kind="svg", scale=request.scale, border=request.border, xmldecl=False, title=request.content())
    return buffer.getvalue(), "image/svg+xml"
