"""Where an existing customer may receive marketing SMS without a separate opt-in ("soft opt-in").

Data with sources. Conservative: a country is allowed only where the law names the exception for
electronic mail, which covers SMS (ePrivacy Directive 2002/58/EC art. 2(h) defines electronic mail to
include SMS; art. 13(2) is the exception). Everything not listed is refused.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SoftOptInRule:
    allowed: bool
    source: str


SOFT_OPT_IN: dict[str, SoftOptInRule] = {
    "GB": SoftOptInRule(True, "PECR 2003 reg. 22(3)"),
    "IE": SoftOptInRule(True, "S.I. 336/2011 reg. 13(11)"),
    "FR": SoftOptInRule(True, "Code des postes et des communications électroniques art. L34-5 al. 4"),
    "DE": SoftOptInRule(True, "UWG §7(3)"),
    "ES": SoftOptInRule(True, "LSSI art. 21.2"),
    "NL": SoftOptInRule(True, "Telecommunicatiewet art. 11.7 lid 3"),
    "PL": SoftOptInRule(
        False, "Prawo komunikacji elektronicznej art. 398 (prior consent; no customer exception applied)"
    ),
    "US": SoftOptInRule(False, "TCPA 47 U.S.C. 227 / 47 CFR 64.1200(a)(2): prior express written consent"),
    "CA": SoftOptInRule(False, "CASL s. 10(9) implied consent expires; not treated as soft opt-in here"),
}


def soft_opt_in(country: str) -> SoftOptInRule:
    return SOFT_OPT_IN.get(country, SoftOptInRule(False, "no soft opt-in rule recorded for this country"))
