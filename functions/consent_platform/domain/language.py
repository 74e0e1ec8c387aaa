"""Per-language words and default message texts, kept as data with their sources.

Sources: CTIA Messaging Principles and Best Practices (2023) §5 — a recurring-program sign-up message
names the program/brand, states the frequency, says "Msg & data rates may apply" (US), and gives HELP
and STOP instructions; a HELP reply gives the brand and a support contact; a STOP reply confirms that
no further messages will be sent. Double opt-in confirmation words per language are ours.
"""

from __future__ import annotations

RATES_PHRASE = "Msg & data rates may apply."  # CTIA, US carriers: exact wording carriers audit for

# Words that confirm a pending double opt-in, by the list's language; a list may set its own
# (``confirm_words``). English YES is accepted everywhere because handsets and posters default to it.
# ("For Polish lists accept TAK too" — issue #2; POTWIERDŹ is what Polish opt-in guides print on
# posters — issue #13.) Matched after accent and case folding, so POTWIERDZ and "potwierdź" count too.
CONFIRM_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("YES", "Y", "CONFIRM"),
    "pl": ("TAK", "POTWIERDŹ", "POTWIERDZAM", "YES"),
    "de": ("JA", "BESTÄTIGEN", "BESTÄTIGE", "YES"),
    "fr": ("OUI", "CONFIRMER", "CONFIRME", "YES"),
    "es": ("SI", "SÍ", "CONFIRMAR", "CONFIRMO", "YES"),
}


def confirm_words(language: str) -> tuple[str, ...]:
    return CONFIRM_WORDS.get(language, CONFIRM_WORDS["en"])


# Words a message may use to tell the recipient how to get help; HELP itself is universal
# (AWS End User Messaging required keywords).
HELP_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("HELP",),
    "pl": ("POMOC", "HELP"),
    "de": ("HILFE", "HELP"),
    "fr": ("AIDE", "HELP"),
    "es": ("AYUDA", "HELP"),
}

# Default templates. Placeholders: {brand}, {frequency}, {support}, {confirm} (the list's first
# confirmation word), {rates} ("Msg & data rates may
# apply. " for lists that may reach US numbers, else empty). {frequency} is capitalised.
DEFAULT_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "confirm_request": "{brand}: reply {confirm} to confirm your SMS sign-up. {frequency}. {rates}"
        "Reply HELP for help, STOP to opt out.",
        "welcome": "{brand}: you're subscribed to SMS updates. {frequency}. {rates}"
        "Reply HELP for help, STOP to opt out.",
        "help": "{brand}: for help contact {support}. {frequency}. {rates}Reply STOP to opt out.",
        "stop": "{brand}: you're unsubscribed and will get no more messages. Reply START to rejoin.",
    },
    "pl": {
        "confirm_request": "{brand}: odpisz {confirm}, aby potwierdzić zapis na SMS-y. {frequency}. {rates}"
        "Pomoc: odpisz POMOC. Rezygnacja: odpisz STOP.",
        "welcome": "{brand}: zapisano Cię na SMS-y. {frequency}. {rates}Pomoc: odpisz POMOC. Rezygnacja: odpisz STOP.",
        "help": "{brand}: pomoc: {support}. {frequency}. {rates}Rezygnacja: odpisz STOP.",
        "stop": "{brand}: wypisano Cię, nie otrzymasz więcej wiadomości. Aby wrócić, odpisz START.",
    },
    "de": {
        "confirm_request": "{brand}: Antworte {confirm}, um deine SMS-Anmeldung zu bestätigen. {frequency}. "
        "{rates}Hilfe: HILFE. Abmelden: STOP.",
        "welcome": "{brand}: Du bist für SMS angemeldet. {frequency}. {rates}Hilfe: HILFE. Abmelden: STOP.",
        "help": "{brand}: Hilfe unter {support}. {frequency}. {rates}Abmelden: STOP.",
        "stop": "{brand}: Du bist abgemeldet und erhältst keine weiteren Nachrichten. START zum Anmelden.",
    },
    "fr": {
        "confirm_request": "{brand} : répondez {confirm} pour confirmer votre inscription aux SMS. {frequency}. "
        "{rates}Aide : AIDE. Désinscription : STOP.",
        "welcome": "{brand} : vous êtes inscrit aux SMS. {frequency}. {rates}Aide : AIDE. Désinscription : STOP.",
        "help": "{brand} : aide au {support}. {frequency}. {rates}Désinscription : STOP.",
        "stop": "{brand} : vous êtes désinscrit et ne recevrez plus de messages. START pour revenir.",
    },
    "es": {
        "confirm_request": "{brand}: responde {confirm} para confirmar tu suscripción a SMS. {frequency}. "
        "{rates}Ayuda: AYUDA. Baja: STOP.",
        "welcome": "{brand}: te has suscrito a los SMS. {frequency}. {rates}Ayuda: AYUDA. Baja: STOP.",
        "help": "{brand}: ayuda en {support}. {frequency}. {rates}Baja: STOP.",
        "stop": "{brand}: te has dado de baja y no recibirás más mensajes. START para volver.",
    },
}

SUPPORTED_LANGUAGES = frozenset(DEFAULT_MESSAGES)

# The e-mail checkbox's wording when a list does not publish its own (``email_consent_text``): the
# ledger proves e-mail consent with the words the form showed next to that box, never the SMS text.
DEFAULT_EMAIL_CONSENT: dict[str, str] = {
    "en": "Also send me news and offers from {brand} by e-mail.",
    "pl": "Chcę też otrzymywać nowości i oferty od {brand} e-mailem.",
    "de": "Schicken Sie mir Neuigkeiten und Angebote von {brand} auch per E-Mail.",
    "fr": "Envoyez-moi aussi les nouveautés et offres de {brand} par e-mail.",
    "es": "Envíame también novedades y ofertas de {brand} por correo electrónico.",
}

# The answer to a confirmation word sent after the pending sign-up lapsed (48 h): (with the list's join
# keyword, without one). A person who replied in the list's language gets the answer in it too.
EXPIRED_NOTICES: dict[str, tuple[str, str]] = {
    "en": (
        "{brand}: this confirmation has expired — text {keyword} to join again.",
        "{brand}: this confirmation has expired — please sign up again.",
    ),
    "pl": (
        "{brand}: to potwierdzenie wygasło — wyślij {keyword}, aby zapisać się ponownie.",
        "{brand}: to potwierdzenie wygasło — zapisz się ponownie.",
    ),
    "de": (
        "{brand}: Diese Bestätigung ist abgelaufen — sende {keyword}, um dich erneut anzumelden.",
        "{brand}: Diese Bestätigung ist abgelaufen — bitte melde dich erneut an.",
    ),
    "fr": (
        "{brand} : cette confirmation a expiré — envoyez {keyword} pour vous réinscrire.",
        "{brand} : cette confirmation a expiré — merci de vous réinscrire.",
    ),
    "es": (
        "{brand}: esta confirmación ha caducado — envía {keyword} para suscribirte de nuevo.",
        "{brand}: esta confirmación ha caducado — suscríbete de nuevo.",
    ),
}


def expired_notice(language: str, brand: str, keyword: str | None, diacritics: bool = False) -> str:
    """The notice in ``language``; its built-in words in GSM-7 spelling unless the list opted into
    diacritics (a built-in text never forces UCS-2 by itself — issue 17)."""
    from .transliteration import to_gsm7

    with_keyword, without = EXPIRED_NOTICES.get(language, EXPIRED_NOTICES["en"])
    if not diacritics:
        with_keyword, without = to_gsm7(with_keyword), to_gsm7(without)
    text = with_keyword.format(brand=brand, keyword=keyword) if keyword else without.format(brand=brand)
    return text if brand else text.split(":", 1)[1].strip()
