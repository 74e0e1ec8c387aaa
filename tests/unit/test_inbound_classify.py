import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_platform.domain.inbound import (
    BUILT_IN_WORDS,
    OPT_OUT_WORDS,
    Intent,
    KeywordRule,
    classify,
    normalize_body,
)

KEYWORDS = [KeywordRule("KWIATY", "exact", "4301"), KeywordRule("PROMO", "prefix"), KeywordRule("HOURS", "phrase")]


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("  Stop.  ", "STOP"),
        ("stop!", "STOP"),
        ("¡Sí!", "SI"),
        ("Rezygnuję 🙏", "REZYGNUJE"),
        ("ARRÊT", "ARRET"),
        ("Łódź   kwiaty", "LODZ KWIATY"),
        ("opt\tout", "OPT OUT"),
        ("🌹🌹", ""),
        ("«tak»", "TAK"),
    ],
)
def test_normalize(text: str, normalized: str) -> None:
    assert normalize_body(text) == normalized


@pytest.mark.parametrize(
    ("text", "intent", "word", "all_lists", "scope"),
    [
        ("STOP", Intent.OPT_OUT, "STOP", False, None),
        ("Stop.", Intent.OPT_OUT, "STOP", False, None),
        ("stop!", Intent.OPT_OUT, "STOP", False, None),
        ("Stop texting me", Intent.OPT_OUT, "STOP", False, None),
        ("STOP KWIATY", Intent.OPT_OUT, "STOP", False, "KWIATY"),
        ("stop, kwiaty!", Intent.OPT_OUT, "STOP", False, "KWIATY"),
        ("STOPALL", Intent.OPT_OUT, "STOPALL", True, None),
        ("opt out", Intent.OPT_OUT, "OPT OUT", False, None),
        ("Opt-Out", Intent.OPT_OUT, "OPT-OUT", False, None),
        ("unsubscribe", Intent.OPT_OUT, "UNSUBSCRIBE", False, None),
        ("Arrêt", Intent.OPT_OUT, "ARRET", False, None),
        ("Rezygnuję", Intent.OPT_OUT, "REZYGNUJE", False, None),
        ("kündigen", Intent.OPT_OUT, "KUNDIGEN", False, None),
        ("baja", Intent.OPT_OUT, "BAJA", False, None),
        ("START", Intent.OPT_IN, "START", False, None),
        ("unstop", Intent.OPT_IN, "UNSTOP", False, None),
        ("yes", Intent.CONFIRM, "YES", False, None),
        ("Tak!", Intent.CONFIRM, "TAK", False, None),
        ("oui", Intent.CONFIRM, "OUI", False, None),
        ("Sí", Intent.CONFIRM, "SI", False, None),
        ("help", Intent.HELP, "HELP", False, None),
        ("INFO?", Intent.HELP, "INFO", False, None),
        ("pomoc", Intent.HELP, "POMOC", False, None),
        ("Kwiaty", Intent.KEYWORD, "KWIATY", False, None),
        ("kwiaty 🌹", Intent.KEYWORD, "KWIATY", False, None),
        ("promo spring", Intent.KEYWORD, "PROMO", False, None),
        ("promotion", Intent.UNMATCHED, "", False, None),  # prefix matches whole words only
        ("what are your hours?", Intent.KEYWORD, "HOURS", False, None),
        ("yes please", Intent.UNMATCHED, "", False, None),  # confirmations must be the whole message
        ("hello", Intent.UNMATCHED, "", False, None),
        ("", Intent.UNMATCHED, "", False, None),
    ],
)
def test_classify(text: str, intent: Intent, word: str, all_lists: bool, scope: str | None) -> None:
    result = classify(text, KEYWORDS, "4301")
    assert (result.intent, result.word, result.all_lists, result.scope) == (intent, word, all_lists, scope)


def test_keyword_bound_to_a_number_only_matches_there() -> None:
    assert classify("KWIATY", KEYWORDS, "4301").intent == Intent.KEYWORD
    assert classify("KWIATY", KEYWORDS, "+48 500 000 000").intent == Intent.UNMATCHED


decorations = st.sampled_from(["", " ", "  ", ".", "!", "!!", "?", "...", " 🙏", "\n", "\t"])
casing = st.sampled_from([str.lower, str.upper, str.title, lambda s: s])


@given(word=st.sampled_from(sorted(OPT_OUT_WORDS)), before=decorations, after=decorations, case=casing)
def test_every_opt_out_word_is_an_opt_out_however_written(word: str, before: str, after: str, case) -> None:
    assert classify(before + case(word) + after, KEYWORDS).intent == Intent.OPT_OUT


@given(st.text(max_size=200))
def test_classify_never_crashes_and_opt_out_wins(text: str) -> None:
    result = classify(text, KEYWORDS, "4301")
    first = normalize_body(text).split(" ")[0] if normalize_body(text) else ""
    if first.strip(".,!?") in OPT_OUT_WORDS:
        assert result.intent == Intent.OPT_OUT


@given(st.text(max_size=200))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_body(text)
    assert normalize_body(once) == once
    assert once == once.strip()


def test_built_in_words_cover_the_design_list() -> None:
    design = {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "OPT-OUT",
        "OPT OUT",
        "REMOVE",
        "ARRET",
        "TD",
        "START",
        "YES",
        "UNSTOP",
        "HELP",
        "INFO",
    }
    assert design <= BUILT_IN_WORDS
