"""A person is their e-mail address, in one spelling: its normalised form.

Normalising is NFKC then case folding (then NFKC again, which folding can undo): every spelling
that folds to an address is that address. With a long s (U+017F) for its "s", or in capitals,
"sam@" is still "sam@": the same account, log-in allowance and password reset. Everything that
looks a person up by address (log-in, the log-in rate limit, sign-up, invitations, password
reset) goes through `email_normalize`, and users and invitations are stored normalised, so the
database's unique constraint on User.email is a constraint on the identity.

Folding does not catch every look-alike: "ivan@" with a dotless i (U+0131) folds to itself, not
to "ivan@" (PostgreSQL's upper() makes both "IVAN@", which is how it used to log into Ivan's
account). Django's validator only admits such local parts because its pattern ignores case the
Unicode way; mail systems do not deliver them as the plain address they look like. So a new
identity must have a local part of plain (ASCII) characters once folded: `email_identity`
refuses the others. Domains may be international (IDNA): they stay as folded.
"""

import unicodedata

from django.core.exceptions import ValidationError


def email_normalize(email: str) -> str:
    """The one spelling of `email` that identifies a person."""
    folded = unicodedata.normalize("NFKC", email).casefold()
    # Stripped last: NFKC can turn a character into a space and a combining mark.
    return unicodedata.normalize("NFKC", folded).strip()


def email_identity(email: str) -> str:
    """`email` normalised, for a new account or invitation; ValidationError when its local part
    does not fold to plain letters, digits and punctuation."""
    identity = email_normalize(email)
    local_part = identity.rpartition("@")[0]
    if not local_part.isascii():
        raise ValidationError(
            "Type the address in plain letters: the part before @ has a character that only "
            "looks like one (such as a dotless i).",
            "email_not_plain",
        )
    return identity
