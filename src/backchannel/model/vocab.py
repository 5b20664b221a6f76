"""Controlled vocabularies used across the knowledge base."""

from __future__ import annotations

from enum import StrEnum

from backchannel.errors import InvalidInput


class TLP(StrEnum):
    """Traffic Light Protocol 2.0 levels, ordered from least to most restrictive."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def rank(self) -> int:
        return _TLP_ORDER.index(self)

    @property
    def label(self) -> str:
        return "TLP:" + self.value.upper()

    @classmethod
    def parse(cls, text: str) -> TLP:
        """Accept ``amber``, ``TLP:AMBER``, ``amber+strict``, ``AMBER_STRICT``, TLP 1 ``white``."""
        key = text.strip().lower().removeprefix("tlp:").replace("_", "+").replace(" ", "")
        if key == "white":
            return cls.CLEAR
        try:
            return cls(key)
        except ValueError:
            raise InvalidInput(
                f"unknown TLP level {text!r}",
                why="expected one of clear, green, amber, amber+strict, red",
            ) from None

    @staticmethod
    def strictest(levels: list[TLP]) -> TLP:
        return max(levels, key=lambda t: t.rank)


_TLP_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


class Reliability(StrEnum):
    """Admiralty (NATO AJP-2.1) source reliability."""

    A = "A"  # completely reliable
    B = "B"  # usually reliable
    C = "C"  # fairly reliable
    D = "D"  # not usually reliable
    E = "E"  # unreliable
    F = "F"  # reliability cannot be judged

    @classmethod
    def parse(cls, text: str) -> Reliability:
        try:
            return cls(text.strip().upper())
        except ValueError:
            raise InvalidInput(
                f"unknown source reliability {text!r}", why="expected a letter A to F"
            ) from None


class Credibility(StrEnum):
    """Admiralty information credibility, 1 (confirmed) to 6 (cannot be judged)."""

    CONFIRMED = "1"
    PROBABLY_TRUE = "2"
    POSSIBLY_TRUE = "3"
    DOUBTFUL = "4"
    IMPROBABLE = "5"
    CANNOT_BE_JUDGED = "6"

    @classmethod
    def parse(cls, text: str | int) -> Credibility:
        try:
            return cls(str(text).strip())
        except ValueError:
            raise InvalidInput(
                f"unknown information credibility {text!r}", why="expected a digit 1 to 6"
            ) from None


class EntityKind(StrEnum):
    """What a knowledge-base entity is."""

    PERSON = "person"
    GROUP = "group"
    ORGANISATION = "organisation"
    LOCATION = "location"
    EVENT = "event"
    REPORT = "report"


class Status(StrEnum):
    """A person's fate as asserted by a source (rule 3: evidence, not a field)."""

    AT_LARGE = "at-large"
    KILLED = "killed"
    DETAINED = "detained"
    RETURNED = "returned"
    UNKNOWN = "unknown"


class AliasKind(StrEnum):
    """Kinds of alternative names."""

    ALIAS = "alias"
    KUNYA = "kunya"
    NOM_DE_GUERRE = "nom-de-guerre"
    LAQAB = "laqab"
    BIRTH_NAME = "birth-name"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class SubjectCategory(StrEnum):
    """Data-subject categories (EU Directive 2016/680, Art. 6)."""

    SUSPECT = "suspect"
    CONVICTED = "convicted"
    VICTIM = "victim"
    WITNESS = "witness"
    CONTACT = "contact"
    OTHER = "other"
