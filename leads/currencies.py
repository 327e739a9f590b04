"""Which three letters are a currency: the codes of ISO 4217 as pycountry ships them (Debian's
iso-codes, kept up to date with the standard), for every place a currency is accepted: an
outcome's amount (the lead page, the API, the service behind both), a qualification engine's
budget, a labelled conversation's."""

import pycountry
from django.core.exceptions import ValidationError

# ISO 4217 lists these two, but no money is ever counted in them: XXX means "no currency",
# XTS is reserved for testing.
_NOT_MONEY = {"XXX", "XTS"}

CURRENCY_CODES = frozenset(currency.alpha_3 for currency in pycountry.currencies) - _NOT_MONEY


def currency_code(value) -> str | None:
    """`value` as its ISO 4217 code ("eur " is EUR), or None when it names no currency."""
    code = value.strip().upper() if isinstance(value, str) else ""
    return code if code in CURRENCY_CODES else None


def currency_code_clean(value) -> str:
    """`value` as its ISO 4217 code; ValidationError, saying what is wrong, when it is not one."""
    code = currency_code(value)
    if code is not None:
        return code
    text = value.strip().upper() if isinstance(value, str) else ""
    if len(text) != 3 or not text.isalpha():
        raise ValidationError("Give the currency as three letters, such as EUR.")
    raise ValidationError(f"{text} is not an ISO 4217 currency code, such as EUR.")
