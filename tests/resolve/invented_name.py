"""Hypothesis strategies for the name tests: invented names built from common name parts."""

from __future__ import annotations

from hypothesis import strategies as st

GIVEN = ["Mohammed", "Yusuf", "Khalil", "Hamid", "Omar", "Fatima", "Ahmad", "Saad", "Ali"]
GIVEN_AR = ["محمد", "يوسف", "خليل", "حامد", "عمر", "فاطمة", "أحمد", "سعد", "علي"]
GIVEN_CY = ["Магомед", "Юсуф", "Халил", "Хамид", "Умар", "Ахмед", "Руслан"]
NISBA = ["Qaryani", "Tayyar", "Wardani", "Samdali", "Burhani", "Shami", "Zubaydi"]
NISBA_AR = ["القرياني", "الطيار", "الورداني", "الشامي", "الزبيدي"]
ARTICLE = ["al-", "el-", "Al ", "", "ash-", "ad-"]
CONNECTOR = ["bin ", "ibn ", "ben ", "bint ", ""]
PREFIX = ["Abu ", "Abou ", "Umm ", "Abd al-", "Abdel", "Abdul ", ""]
JUNK = ["", ",", " ,", ".", "-", "  ", "\t", "(", ")", "1977", "\x00", "\u200c", "ـ"]


@st.composite
def invented_names(draw: st.DrawFn) -> str:
    """Plausible and implausible names mixing scripts, connectors, articles and junk."""
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            parts.append(draw(st.sampled_from(PREFIX)) + draw(st.sampled_from(GIVEN)))
        elif kind == 1:
            parts.append(draw(st.sampled_from(CONNECTOR)) + draw(st.sampled_from(GIVEN)))
        elif kind == 2:
            parts.append(draw(st.sampled_from(ARTICLE)) + draw(st.sampled_from(NISBA)))
        elif kind == 3:
            parts.append(draw(st.sampled_from(GIVEN_AR + NISBA_AR + GIVEN_CY)))
        else:
            parts.append(draw(st.sampled_from(JUNK)) + draw(st.sampled_from(["M.", "A", "K."])))
        parts.append(draw(st.sampled_from([" ", " ", " ", ", ", "-"])))
    text = "".join(parts)
    return text.upper() if draw(st.booleans()) and draw(st.booleans()) else text


any_names = st.one_of(invented_names(), st.text(max_size=40))
