"""Small HTML pages for browsers that post the sign-up form without JavaScript.

Everything interpolated is escaped; the pages carry no scripts and work on any phone. They speak the
list's language (the words below, per language; the same languages as the form's web/i18n.json).
"""

from __future__ import annotations

from html import escape

# Per language: page words and field labels. {who}: the brand (or "us"); {confirm}: the list's
# confirmation word. Languages without a table use English.
PAGE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "thanks": "Thank you",
        "us": "us",
        "pending_title": "Check your phone",
        "pending_body": "We sent you a text message from {who}. Reply {confirm} to confirm your subscription.",
        "active_title": "You're subscribed",
        "active_body": "Thanks! You'll get text messages from {who}. Reply STOP to cancel.",
        "check_title": "Please check the form",
        "back": "Go back and correct the form",
        "phone": "Phone number",
        "sms_consent": "SMS consent",
        "email": "E-mail",
        "email_consent": "E-mail consent",
        "first_name": "First name",
        "timezone": "Time zone",
        "consent_version": "Consent version",
        "email_consent_version": "E-mail consent version",
        "list_id": "List",
        "country": "Country",
        "source": "Source",
        "body": "Form",
        "ip": "Your connection",
    },
    "pl": {
        "thanks": "Dziękujemy",
        "us": "nas",
        "pending_title": "Sprawdź telefon",
        "pending_body": "Wysłaliśmy Ci SMS od {who}. Odpisz {confirm}, aby potwierdzić zapis.",
        "active_title": "Zapisano",
        "active_body": "Dziękujemy! Będziesz otrzymywać SMS-y od {who}. Aby zrezygnować, odpisz STOP.",
        "check_title": "Sprawdź formularz",
        "back": "Wróć i popraw formularz",
        "phone": "Numer telefonu",
        "sms_consent": "Zgoda na SMS-y",
        "email": "E-mail",
        "email_consent": "Zgoda na e-maile",
        "first_name": "Imię",
        "timezone": "Strefa czasowa",
        "consent_version": "Wersja zgody",
        "email_consent_version": "Wersja zgody na e-maile",
        "list_id": "Lista",
        "country": "Kraj",
        "source": "Źródło",
        "body": "Formularz",
        "ip": "Twoje połączenie",
    },
    "de": {
        "thanks": "Vielen Dank",
        "us": "uns",
        "pending_title": "Sehen Sie auf Ihr Telefon",
        "pending_body": "Wir haben Ihnen eine SMS von {who} geschickt. Antworten Sie {confirm}, um die Anmeldung "
        "zu bestätigen.",
        "active_title": "Sie sind angemeldet",
        "active_body": "Danke! Sie erhalten SMS von {who}. Abmelden jederzeit mit STOP.",
        "check_title": "Bitte prüfen Sie das Formular",
        "back": "Zurück zum Formular",
        "phone": "Telefonnummer",
        "sms_consent": "Einwilligung für SMS",
        "email": "E-Mail",
        "email_consent": "Einwilligung für E-Mails",
        "first_name": "Vorname",
        "timezone": "Zeitzone",
        "list_id": "Liste",
        "country": "Land",
        "body": "Formular",
    },
    "fr": {
        "thanks": "Merci",
        "us": "nous",
        "pending_title": "Regardez votre téléphone",
        "pending_body": "Nous vous avons envoyé un SMS de {who}. Répondez {confirm} pour confirmer votre inscription.",
        "active_title": "Vous êtes inscrit",
        "active_body": "Merci ! Vous recevrez les SMS de {who}. Répondez STOP pour vous désinscrire.",
        "check_title": "Vérifiez le formulaire",
        "back": "Revenir au formulaire pour le corriger",
        "phone": "Numéro de téléphone",
        "sms_consent": "Consentement SMS",
        "email": "E-mail",
        "email_consent": "Consentement e-mail",
        "first_name": "Prénom",
        "timezone": "Fuseau horaire",
        "list_id": "Liste",
        "country": "Pays",
        "body": "Formulaire",
    },
    "es": {
        "thanks": "Gracias",
        "us": "nosotros",
        "pending_title": "Revisa tu teléfono",
        "pending_body": "Te hemos enviado un SMS de {who}. Responde {confirm} para confirmar tu suscripción.",
        "active_title": "Te has suscrito",
        "active_body": "¡Gracias! Recibirás los SMS de {who}. Responde STOP para darte de baja.",
        "check_title": "Revisa el formulario",
        "back": "Volver y corregir el formulario",
        "phone": "Número de teléfono",
        "sms_consent": "Consentimiento para SMS",
        "email": "Correo electrónico",
        "email_consent": "Consentimiento para correo electrónico",
        "first_name": "Nombre",
        "timezone": "Zona horaria",
        "list_id": "Lista",
        "country": "País",
        "body": "Formulario",
    },
}

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
    "h1{font-size:1.4rem}ul{padding-left:1.2rem}a{color:#0b57d0}"
)
# A subscribed number gets the page a new one would (no membership oracle), so there is no "already" page.
_STATUS_KEYS = {"pending_confirmation": "pending", "active": "active"}


def words(language: str | None) -> tuple[str, dict[str, str]]:
    """The page language actually used (English when the list's has no table) and its words,
    falling back to English key by key."""
    lang = language if language in PAGE_TEXT else "en"
    return lang, {**PAGE_TEXT["en"], **PAGE_TEXT[lang]}


def _page(title: str, body: str, lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def success_page(status: str, brand: str | None = None, language: str | None = None, confirm: str = "YES") -> str:
    lang, text = words(language)
    key = _STATUS_KEYS.get(status, "active")
    values = {"who": escape(brand) if brand else escape(text["us"]), "confirm": f"<strong>{escape(confirm)}</strong>"}
    body = escape(text[f"{key}_body"]).replace("{who}", values["who"]).replace("{confirm}", values["confirm"])
    return _page(text["thanks"], f"<h1>{escape(text[f'{key}_title'])}</h1><p>{body}</p>", lang)


def error_page(message: str, fields: dict[str, str], back: str | None, language: str | None = None) -> str:
    lang, text = words(language)
    items = "".join(
        f"<li><strong>{escape(text.get(name, name))}</strong>: {escape(problem)}</li>"
        for name, problem in fields.items()
    )
    link = f'<p><a href="{escape(back, quote=True)}">{escape(text["back"])}</a></p>' if back else ""
    title = text["check_title"]
    listed = f"<ul>{items}</ul>" if items else ""
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>{listed}{link}", lang)


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
