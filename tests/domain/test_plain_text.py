"""One rule for what people type (council/plain_text.py): a text of lines, or one line."""

from __future__ import annotations

import pytest

from council import plain_text

TYPED = "\tPrima riga\x00\x07\r\nseconda\rterza\x1b[31m\x7f fine \x0b\x0c"


def test_a_text_of_lines_keeps_its_lines_and_tabs_and_drops_the_controls():
    assert plain_text.clean(TYPED) == "\tPrima riga\nseconda\nterza[31m fine "


def test_one_line_turns_controls_and_white_space_into_single_spaces():
    assert plain_text.clean(TYPED, one_line=True) == "Prima riga seconda terza [31m fine"
    assert plain_text.clean("Zona\x00Nord", one_line=True) == "Zona Nord"


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_typed_is_an_empty_text(empty):
    assert plain_text.clean(empty) == plain_text.clean(empty, one_line=True) == ""


def test_the_record_carries_the_sha256_of_the_utf8_text():
    assert plain_text.sha256("Perché") == (
        "59fa57a8106048801773d79073c43e05b25e96deb0324c148193346830612878"
    )
