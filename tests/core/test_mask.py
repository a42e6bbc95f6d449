"""Masks: IBM bit numbering and sysfs text (ref 1.3, 1.5, 7.2 fixtures); the id-list grammar of files and forms."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aptui.model import idlist
from aptui.model import mask as m
from aptui.model.bounds import Violation

ZERO = "0x" + "0" * 64


def test_bit_zero_is_leftmost():
    assert m.format_mask(m.bit(0)) == "0x8" + "0" * 63
    assert m.format_mask(m.mask_of([5, 6])) == "0x06" + "0" * 62


def test_reference_examples():
    # adapters {5,6} and domains {4, 0xab} (ref 1.3 and the Guest1 ap_config fixture of 7.2)
    assert m.format_mask(m.mask_of([5, 6])) == "0x0600000000000000000000000000000000000000000000000000000000000000"
    assert m.format_mask(m.mask_of([4, 0xAB])) == "0x0800000000000000000000000000000000000000001000000000000000000000"
    # apmask 0x7d00... -> adapters 1,2,3,4,5,7
    assert m.ids_of(m.parse_mask("0x7d" + "0" * 62)) == (1, 2, 3, 4, 5, 7)
    # echo -5,-6 > apmask from all-ones
    assert m.format_mask(m.FULL & ~m.mask_of([5, 6])) == "0xf9" + "f" * 62
    # echo -4,-0x47,-0xab,-0xff > aqmask
    assert m.format_mask(m.FULL & ~m.mask_of([4, 0x47, 0xAB, 0xFF])) == (
        "0xf7fffffffffffffffeffffffffffffffffffffffffeffffffffffffffffffffe")


def test_short_masks_are_padded_on_the_right():
    assert m.ids_of(m.parse_mask("0xffff")) == tuple(range(16))
    assert m.ids_of(m.parse_mask("0x40")) == (1,)


@pytest.mark.parametrize("bad", ["", "0x", "0xg0", "0x" + "0" * 65, "zz", "-1", "+f", "1_0", "0x-1"])
def test_bad_masks(bad):
    with pytest.raises(ValueError):
        m.parse_mask(bad)


def test_apqn_text():
    assert m.format_apqn(5, 4) == "05.0004"
    assert m.format_apqn(0xFF, 0xAB) == "ff.00ab"
    assert m.parse_apqn("05.0047") == (5, 0x47)
    for bad in ("5", "05.", ".0004", "x5.0004", "100.0000", "05.0100", "+5.0004", "0_5.0004", "05.-004"):
        with pytest.raises(ValueError):
            m.parse_apqn(bad)


def test_mask_below():
    assert m.ids_of(m.mask_below(16)) == tuple(range(16))
    assert m.mask_below(256) == m.FULL
    assert m.mask_below(0) == 0


@given(st.frozensets(st.integers(0, 255)))
def test_mask_round_trips_through_sysfs_text(ids):
    text = m.format_mask(m.mask_of(ids))
    assert len(text) == 66
    assert m.parse_mask(text) == m.mask_of(ids)
    assert set(m.ids_of(m.parse_mask(text))) == ids


@given(st.integers(0, 255), st.integers(0, 255))
def test_apqn_round_trip(a, d):
    assert m.parse_apqn(m.format_apqn(a, d)) == (a, d)


def test_format_ids_compacts_runs():
    assert m.format_ids([5, 6, 7, 9, 0x10]) == "05-07,09,10"
    assert m.format_ids([4, 0x47], 4) == "0004,0047"


@given(st.frozensets(st.integers(0, 255)))
def test_id_lists_read_back_as_written(ids):
    assert idlist.parse_ids(idlist.format_id_list(ids)) == ids
    assert frozenset().union(*map(idlist.parse_id_item, idlist.id_items(ids))) == ids


def test_id_list_grammar():
    assert idlist.parse_ids("0x10-0x1f, 5, 0x47") == {*range(0x10, 0x20), 5, 0x47}
    assert idlist.parse_ids(" 010 , 0X0a,") == {10}  # decimal unless 0x: no octal ids
    assert idlist.format_id_list([5, 6, 7, 9, 0x10, 0x11, 0x12, 0x13]) == "0x05, 0x06, 0x07, 0x09, 0x10-0x13"
    for bad, words in [("0x100", "outside 0..255"), ("0x20-0x10", "low to high"), ("5-", "neither an id nor a range"),
                       ("9" * 5000, "outside 0..255")]:
        with pytest.raises(Violation, match=words):
            idlist.parse_ids(bad)
