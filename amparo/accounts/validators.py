"""Context-specific words a password may not contain (ASVS 6.1.2, 6.2.11).

The words: the product's name, the account's username, and the organisation's name when the
operator sets ``AMPARO_ORGANISATION_NAME``. Compared without case or accents, ignoring spaces
and punctuation, so "Amparo-2026!" and "a m p a r o" are refused alike. Words shorter than four
letters are not checked (they would refuse too many good passphrases).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PRODUCT_WORDS = ("amparo",)
SHORTEST_WORD = 4


def folded(text: str) -> str:
    """Lower case, without accents, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


class ContextWordsValidator:
    """Refuses a password that contains the product, organisation or user name."""

    def context_words(self, user: Any = None) -> list[str]:
        words = [*PRODUCT_WORDS, str(getattr(settings, "AMPARO_ORGANISATION_NAME", "") or "")]
        if user is not None:
            words.append(str(getattr(user, "username", "") or ""))
        return [w for w in map(folded, words) if len(w) >= SHORTEST_WORD]

    def validate(self, password: str, user: Any = None) -> None:
        text = folded(password)
        if any(word in text for word in self.context_words(user)):
            raise ValidationError(
                _(
                    "This password contains the name of this service, of your organisation "
                    "or your username. Choose words nobody would link to you here."
                ),
                code="password_context_word",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password cannot contain the name of this service, of your organisation or "
            "your username."
        )
