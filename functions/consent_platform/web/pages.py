"""Small HTML pages for browsers that post the sign-up form without JavaScript.

Everything interpolated is escaped; the pages carry no scripts and work on any phone.
"""

from __future__ import annotations

from html import escape

FIELD_LABELS = {
    "phone": "Phone number",
    "sms_consent": "SMS consent",
    "email": "E-mail",
    "first_name": "First name",
    "timezone": "Time zone",
    "consent_version": "Consent version",
    "list_id": "List",
    "country": "Country",
    "source": "Source",
    "body": "Form",
}

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
    "h1{font-size:1.4rem}ul{padding-left:1.2rem}a{color:#0b57d0}"
)


def _page(title: str, body: str, lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def success_page(status: str, brand: str | None = None) -> str:
    who = escape(brand) if brand else "us"
    if status == "pending_confirmation":
        text = (
            f"<h1>Check your phone</h1><p>We sent you a text message from {who}. "
            "Reply <strong>YES</strong> (or <strong>TAK</strong>) to confirm your subscription.</p>"
        )
    elif status == "already_active":
        text = f"<h1>You're already subscribed</h1><p>You already get text messages from {who}.</p>"
    else:
        text = f"<h1>You're subscribed</h1><p>Thanks! You'll get text messages from {who}. Reply STOP to cancel.</p>"
    return _page("Thank you", text)


def error_page(message: str, fields: dict[str, str], back: str | None) -> str:
    items = "".join(
        f"<li><strong>{escape(FIELD_LABELS.get(name, name))}</strong>: {escape(problem)}</li>"
        for name, problem in fields.items()
    )
    link = f'<p><a href="{escape(back, quote=True)}">Go back and correct the form</a></p>' if back else ""
    return _page(
        "Please check the form",
        f"<h1>Please check the form</h1><p>{escape(message)}</p>{f'<ul>{items}</ul>' if items else ''}{link}",
    )


def prefers_html(accept: str | None) -> bool:
    """A plain browser form post asks for text/html first; our JavaScript and API clients ask for JSON."""
    if not accept:
        return False
    best: tuple[float, str] = (-1.0, "")
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media in ("text/html", "application/json", "application/xhtml+xml") and q > best[0]:
            best = (q, media)
    return best[1] in ("text/html", "application/xhtml+xml")
