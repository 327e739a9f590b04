"""A person's identity is the normalised form of their e-mail address (tenants/identity.py):
NFKC and case folding, so every spelling that folds to one address is that one address, and
addresses that fold to something else are someone else (or refused, when they are look-alikes
no mail system would deliver)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tenants.identity import email_identity, email_normalize

LONG_S = "\u017f"  # LATIN SMALL LETTER LONG S: folds to "s"
DOTLESS_I = "\u0131"  # LATIN SMALL LETTER DOTLESS I: folds to itself
KELVIN = "\u212a"  # K, KELVIN SIGN: NFKC makes it "K", then "k"


@pytest.mark.parametrize(
    ("typed", "identity"),
    [
        ("Ada@Example.COM", "ada@example.com"),
        ("  ada@example.com\n", "ada@example.com"),
        (f"{LONG_S}am@example.com", "sam@example.com"),
        (f"{KELVIN}ate@example.com", "kate@example.com"),
        ("\uff53am@example.com", "sam@example.com"),  # fullwidth s
        (f"sam@exampl{LONG_S}.com", "sam@exampls.com"),
    ],
)
def test_every_spelling_that_folds_to_an_address_is_that_address(typed, identity):
    assert email_normalize(typed) == identity
    assert email_identity(typed) == identity


@pytest.mark.parametrize(
    "typed",
    [f"{DOTLESS_I}van@example.com", "\u0130van@example.com", "jos\u00e9@example.com"],
)
def test_a_local_part_that_does_not_fold_to_plain_letters_is_refused(typed):
    # Mail systems do not deliver these as the plain address they look like; Django's validator
    # only lets them through because its pattern ignores case the Unicode way.
    with pytest.raises(ValidationError) as error:
        email_identity(typed)
    assert error.value.code == "email_not_plain"


def test_an_international_domain_is_kept():
    assert email_identity("ada@b\u00fccher.example") == "ada@b\u00fccher.example"


@given(st.text())
def test_normalising_twice_changes_nothing(text):
    once = email_normalize(text)
    assert email_normalize(once) == once


LOOK_ALIKES = {"s": LONG_S, "S": LONG_S, "k": KELVIN, "K": KELVIN}


@st.composite
def spellings(draw):
    """An address, and another spelling of it: letters' case changed and some letters swapped
    for a look-alike that folds to them."""
    address = draw(st.emails()).lower()
    respelled = "".join(
        draw(st.sampled_from([ch, ch.upper(), LOOK_ALIKES.get(ch, ch)])) for ch in address
    )
    return address, respelled


@given(spellings())
def test_case_and_folding_look_alikes_never_make_another_identity(pair):
    address, respelled = pair
    assert email_normalize(respelled) == email_normalize(address)
