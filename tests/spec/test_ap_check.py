"""ap-check's rules in `check` (issue 9): define against other auto configs and the persistent
masks, start against active mdevs and the active masks; standby definitions that share queues
are no error. Messages quote ap-check (s390-tools ap_tools/ap-check.c) with decimal APQNs."""

import pytest

from aptui.formats.errors import InputError
from aptui.formats.scenario.file import dumps, loads
from aptui.model import check

HEAD = """
[host]
adapters = [5, 6]
[[guest]]
name = "lpar1"
adapters = [5, 6]
usage_domains = [4, 5]
control_domains = [4, 5]
{masks}
[[guest]]
name = "a"
parent = "lpar1"
adapters = [5]
usage_domains = [4]
uuid = "11111111-1111-1111-1111-111111111111"
{a}
[[guest]]
name = "b"
parent = "lpar1"
adapters = [5]
usage_domains = [{bd}]
uuid = "22222222-2222-2222-2222-222222222222"
{b}
"""


def scenario(masks="", a="", b="", bd=4, extra=""):
    return loads(HEAD.format(masks=masks, a=a, b=b, bd=bd) + extra)


def codes(masks="", a="", b="", bd=4):
    diags = check(scenario(masks, a, b, bd))
    return {(d.guest, d.code): d for d in diags if d.code not in ("usage-not-control", "adapter-filtered")}


def test_two_active_mdevs_sharing_a_queue_conflict_at_start():
    found = codes(a='start = "manual"')
    assert set(found) == {("a", "apqn-in-use"), ("b", "apqn-in-use")}
    assert '"APQN 5.4 already in use by 22222222-2222-2222-2222-222222222222"' in found["a", "apqn-in-use"].message


def test_two_auto_definitions_conflict_at_define_even_when_stopped():
    found = codes(a="active = false", b="active = false")
    assert set(found) == {("a", "apqn-in-use"), ("b", "apqn-in-use")}
    assert "APQN 5.4 is defined for autostart by 11111111-1111-1111-1111-111111111111" in found["b", "apqn-in-use"].message


def test_standby_definitions_that_share_queues_are_no_error():
    assert codes(a='start = "manual"\nactive = false', b='start = "manual"\nactive = false') == {}
    assert codes(a='start = "manual"\nactive = false', b="active = false") == {}


def test_a_standby_that_shares_with_a_running_mdev_cannot_start():
    found = codes(a='start = "manual"\nactive = false')
    assert set(found) == {("a", "mdev-cannot-start")}
    assert found["a", "mdev-cannot-start"].severity == "warning"
    assert "already in use by 22222222" in found["a", "mdev-cannot-start"].message


def test_persistent_masks_are_checked_for_auto_configs_at_define():
    masks = "persistent_reserved = { adapters = [5], domains = [4] }"
    found = codes(masks=masks, bd=5)
    assert set(found) == {("a", "apqn-reserved-persistent")}
    assert ('"AQPN 5.4 is not defined for vfio_ap-passthrough use by the persistent ap bus mask settings"'
            in found["a", "apqn-reserved-persistent"].message)
    assert codes(masks=masks, a='start = "manual"', bd=5) == {}


def test_active_masks_are_checked_at_start_and_refuse_the_assignment():
    masks = "reserved = { adapters = [5], domains = [4] }\npersistent_reserved = { adapters = [], domains = [] }"
    found = codes(masks=masks, bd=5)
    assert set(found) == {("a", "apqn-reserved-by-host")}
    message = found["a", "apqn-reserved-by-host"].message
    assert "EADDRNOTAVAIL" in message and "EBUSY" in message
    assert '"AQPN 5.4 is not allowed for vfio_ap-passthrough use by the active ap bus mask settings"' in message
    stopped = codes(masks=masks, a="active = false", bd=5)
    assert set(stopped) == {("a", "mdev-cannot-start")}


def test_without_persistent_masks_the_default_is_one_error_as_before():
    found = codes(masks="reserved = { adapters = [5], domains = [4] }", bd=5)
    assert set(found) == {("a", "apqn-reserved-by-host")}


@pytest.mark.parametrize("extra, message", [
    ('[[request]]\nguest = "a"\nop = "SCAN"\n', "not running"),
    ('[[guest]]\nname = "c"\nparent = "a"\n', "not running"),
])
def test_an_inactive_guest_runs_nothing(extra, message):
    with pytest.raises(InputError, match=message):
        scenario(a="active = false", bd=5, extra=extra)


@pytest.mark.parametrize("key", ['start = "manual"', "active = false"])
def test_an_lpar_has_no_mdev_state(key):
    with pytest.raises(InputError, match="an L1 is an LPAR"):
        scenario(masks=key)


def test_the_new_keys_load_back_and_equal_masks_are_not_written():
    s = scenario("persistent_reserved = { adapters = [6], domains = [] }", 'start = "manual"\nactive = false', bd=5)
    text = dumps(s)
    assert 'start = "manual"' in text and "active = false" in text and "persistent_reserved" in text
    assert loads(text) == s
    same = scenario("reserved = { adapters = [6] }\npersistent_reserved = { adapters = [6] }", bd=5)
    assert same.guest("lpar1").persistent_reserved is None and "persistent_reserved" not in dumps(same)
