"""Names so common that sharing them is weak evidence of being the same person."""

from __future__ import annotations

from collections.abc import Callable

from backchannel.resolve.latin import form_key, latin_form
from backchannel.resolve.token import NameToken, Role

# About forty given names (and the Abd Allah / Abd al-Rahman compounds) that together cover a
# large share of men and women with Arabic-origin names; one spelling each, since variants of
# one name share its key.
COMMON_GIVEN_NAMES: tuple[str, ...] = (
    "Muhammad",
    "Ahmad",
    "Mahmud",
    "Mustafa",
    "Ali",
    "Umar",
    "Uthman",
    "Hasan",
    "Husayn",
    "Ibrahim",
    "Ismail",
    "Khalid",
    "Yusuf",
    "Yahya",
    "Isa",
    "Musa",
    "Sulayman",
    "Said",
    "Saad",
    "Salih",
    "Hamid",
    "Hamza",
    "Abbas",
    "Jafar",
    "Jamal",
    "Karim",
    "Nasir",
    "Rashid",
    "Tariq",
    "Bilal",
    "Sayyid",
    "Adil",
    "Amir",
    "Nur",
    "Fatima",
    "Aisha",
    "Khadija",
    "Maryam",
    "Zaynab",
    "Amina",
)
# Compound given names, as the parser builds their forms (Abd + the second element).
COMMON_COMPOUNDS: tuple[str, ...] = ("abdlah", "abdrahman", "abdaziz", "abdkadir", "abdkarim")

COMMON_GIVEN_KEYS: frozenset[str] = frozenset(
    [form_key(latin_form(n)) for n in COMMON_GIVEN_NAMES] + [form_key(f) for f in COMMON_COMPOUNDS]
)

COMMON_WEIGHT = 0.35


def default_weight(key: str) -> float:
    """The evidential weight of a token key: low for very common given names, else 1."""
    return COMMON_WEIGHT if key in COMMON_GIVEN_KEYS else 1.0


ROLE_WEIGHT = {Role.INITIAL: 0.3, Role.LAQAB: 0.2}  # flat, whatever the letter or title
KUNYA_FACTOR = 0.6  # a kunya is a nickname many people share


def token_weight(token: NameToken, weight: Callable[[str], float] = default_weight) -> float:
    """The evidential weight of a name part: ``weight(key)``, adjusted for its role."""
    fixed = ROLE_WEIGHT.get(token.role)
    if fixed is not None:
        return fixed
    w = weight(token.key)
    return w * KUNYA_FACTOR if token.role is Role.KUNYA else w
