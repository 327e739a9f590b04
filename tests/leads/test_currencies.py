"""Which three letters are a currency (leads/currencies.py): the codes ISO 4217 lists, in any
case, and none other; the one definition behind every place a currency is accepted."""

import pytest
from django.core.exceptions import ValidationError

from leads.currencies import CURRENCY_CODES, currency_code, currency_code_clean


@pytest.mark.parametrize(
    ("value", "code"),
    [("EUR", "EUR"), ("usd", "USD"), (" chf ", "CHF"), ("XOF", "XOF"), ("JPY", "JPY")],
)
def test_a_code_iso_4217_lists_is_read_in_any_case(value, code):
    assert currency_code(value) == code
    assert currency_code_clean(value) == code


@pytest.mark.parametrize("value", ["XYZ", "ABC", "EURO", "€", "", None, 978])
def test_anything_else_names_no_currency(value):
    assert currency_code(value) is None
    with pytest.raises(ValidationError):
        currency_code_clean(value)


@pytest.mark.parametrize("value", ["XXX", "XTS"])
def test_the_codes_for_no_currency_and_for_testing_count_no_money(value):
    assert value not in CURRENCY_CODES


def test_the_error_says_whether_the_shape_or_the_code_is_wrong():
    with pytest.raises(ValidationError, match="three letters"):
        currency_code_clean("euros")
    with pytest.raises(ValidationError, match="XYZ is not an ISO 4217 currency code"):
        currency_code_clean("xyz")


def test_the_list_holds_the_current_codes_only():
    assert {"EUR", "USD", "GBP", "CAD", "CHF"} <= CURRENCY_CODES
    # Replaced by the euro in 2002: no longer in ISO 4217's current list.
    assert not {"FRF", "DEM"} & CURRENCY_CODES
    assert all(len(code) == 3 and code.isupper() for code in CURRENCY_CODES)
