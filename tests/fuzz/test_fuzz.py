"""Every reader fed mutated inputs through the real CLI entry (the "Hostile input" issue): scenario
TOML, lszcrypt, a sysfs tree, mdevctl files, directories and lists, libvirt XML. What must hold
is the harness's. Four times the hypothesis profile's examples (tests/conftest.py) per format:
about 20 s in CI; bench/fuzz.py runs thousands per format."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .harness import FORMATS, check_input


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=4 * settings().max_examples)
@given(rng=st.randoms(use_true_random=True))  # a seeded random.Random: diverse inputs, replayed by its seed
def test_any_input_is_answered_cleanly(fmt, rng):
    assert check_input(fmt, rng).problems == []
