"""phone_numbers: what the number lists store and which senders match (A-18, A-60)."""

from isocket.phone_numbers import is_listed, normalise_sender, parse_entry


def test_parse_entry_strips_one_prefix_and_wants_3_to_15_digits():
    assert parse_entry("358401234567") == "358401234567"
    assert parse_entry("+358401234567") == "358401234567"
    assert parse_entry("00358401234567") == "358401234567"
    assert parse_entry("0401234567") == "0401234567"  # national form is kept as typed
    assert parse_entry("123") == "123"
    assert parse_entry("1" * 15) == "1" * 15
    for bad in (
        "12",
        "1" * 16,
        "+12",
        "0012",
        "",
        "+",
        "++358401",
        "35840 1234",
        "35840-1234",
        "3584O1234",
        "\u0663\u0665\u0668\u0664",
        None,
        358401234567,
    ):
        assert parse_entry(bad) is None, bad


def test_normalise_sender():
    assert normalise_sender("+358401234567") == "358401234567"
    assert normalise_sender("00358401234567") == "358401234567"
    assert normalise_sender("358401234567") == "358401234567"
    assert normalise_sender("12345") == "12345"  # numeric short codes are numeric senders
    for bad in ("Operator", "", "+", "00", "INFO123", "+358 40", None, "1" * 21):
        assert normalise_sender(bad) is None, bad


def test_matching_is_exact():
    listed = ["358401234567"]
    assert is_listed("358401234567", listed)
    assert not is_listed("0401234567", listed)
    assert not is_listed("58401234567", listed)
    assert not is_listed(None, listed)
