"""Spec 7: diagnostics of `aptui check`: codes, severities, the guest they name, exit statuses."""

import json

import pytest

from ._h import ad, call, guest, host, toml

SEVERITY = {
    "id-out-of-range": "error",
    "beyond-crycb-format": "warning",  # v2 row 14
    "no-ap-facility": "error",  # v2 row 14
    "apqi-unavailable": "error",  # v2 row 14
    "apqn-in-use": "error",
    "apqn-reserved-by-host": "error",
    "crycb-format-mismatch": "error",
    "no-usage-domain": "error",
    "not-in-parent": "warning",
    "adapter-filtered": "warning",
    "interpretation-below-emulation": "warning",
    "apie-without-crycb": "warning",
    "no-apft": "warning",  # v2 row 14
    "usage-not-control": "info",
}


def check(tmp_path, capsys, text):
    p = tmp_path / "s.toml"
    p.write_text(text)
    code, out, err = call(["check", str(p), "--json"], capsys)
    doc = json.loads(out)
    code_text, _, _ = call(["check", str(p)], capsys)
    assert code_text == code  # the same exit status without --json
    return code, doc["diagnostics"]


def having(diags, code, guest=None):
    return [d for d in diags if d["code"] == code and (guest is None or d["guest"] == guest)]


def codes(diags):
    return {(d["code"], d["guest"]) for d in diags}


def test_clean_scenario(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, 6), [
        guest("lpar1", adapters=[5, 6], usage=[4, 8]),
        guest("kvm1", "lpar1", adapters=[5], usage=[4]),
        guest("kvm2", "lpar1", adapters=[6], usage=[4]),
        guest("kvm3", "lpar1", backend="emulated", adapters=[5], usage=[4]),
        guest("nested1", "kvm1", adapters=[5], usage=[4])]))
    assert diags == []
    assert code == 0


def test_json_shape_and_severities(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, 6), [
        guest("lpar1", adapters=[5, 6], usage=[4, 8], control=[4]),
        guest("kvm1", "lpar1", adapters=[5, 7], usage=[4])]))
    assert diags
    for d in diags:
        assert {"code", "severity", "guest", "apqns", "message"} <= set(d)
        assert d["severity"] == SEVERITY[d["code"]]
        assert isinstance(d["guest"], str) and isinstance(d["message"], str) and d["message"]
        assert isinstance(d["apqns"], list) and all(isinstance(x, str) for x in d["apqns"])


# -- id-out-of-range and beyond-crycb-format ------------------------------------------------------
def test_beyond_crycb_format_1(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, 0x40, domains=85), [
        guest("lpar1", adapters=[5, 0x40], usage=[4, 0x10]),
        guest("kvm1", "lpar1", crycb_format=1, adapters=[5, 0x40], usage=[4]),
        guest("kvm2", "lpar1", crycb_format=0, adapters=[5], usage=[0x10])]))
    assert having(diags, "beyond-crycb-format", "kvm1")  # v2 row 12
    assert having(diags, "beyond-crycb-format", "kvm2")  # v2 row 12
    assert not having(diags, "id-out-of-range")  # v2 row 12
    assert code == 0  # v2 row 12


def test_id_out_of_range_machine_without_apxa(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, domains=16, apxa=False), [
        guest("lpar1", adapters=[5, 0x50], usage=[4])]))
    assert having(diags, "id-out-of-range", "lpar1")
    assert code == 1


# -- apqn-in-use ----------------------------------------------------------------------------------
def test_apqn_in_use_between_sibling_l2s(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, 6), [
        guest("lpar1", adapters=[5, 6], usage=[4, 8]),
        guest("kvm1", "lpar1", adapters=[5], usage=[4, 8]),
        guest("kvm2", "lpar1", adapters=[5, 6], usage=[4])]))
    hits = having(diags, "apqn-in-use")
    assert hits and {d["guest"] for d in hits} <= {"kvm1", "kvm2"}
    assert all("05.0004" in d["apqns"] for d in hits)
    assert all("05.0008" not in d["apqns"] and "06.0004" not in d["apqns"] for d in hits)
    assert code == 1


def test_apqn_in_use_between_lpars(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5), [
        guest("lpar1", adapters=[5], usage=[4]), guest("lpar2", adapters=[5], usage=[4])]))
    hits = having(diags, "apqn-in-use")
    assert hits and {d["guest"] for d in hits} <= {"lpar1", "lpar2"}
    assert code == 1


def test_no_apqn_in_use_when_not_both_passthrough_or_no_shared_apqn(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5), [
        guest("lpar1", adapters=[5], usage=[4, 8]),
        guest("kvm1", "lpar1", adapters=[5], usage=[4]),
        guest("kvm2", "lpar1", backend="emulated", adapters=[5], usage=[4]),  # emulated: no vfio_ap mdev
        guest("kvm3", "lpar1", adapters=[5], usage=[8], control=[4, 8])]))    # shares adapter and control only
    assert not having(diags, "apqn-in-use")
    assert code == 0


# -- apqn-reserved-by-host and adapter-filtered -------------------------------------------------
def test_apqn_reserved_by_host(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, 6), [
        guest("lpar1", adapters=[5, 6], usage=[4, 0x47], reserved={"adapters": [6], "domains": [0x47]}),
        guest("kvm1", "lpar1", adapters=[5, 6], usage=[4, 0x47])]))
    hits = having(diags, "apqn-reserved-by-host", "kvm1")
    assert hits and "06.0047" in hits[0]["apqns"]
    assert having(diags, "adapter-filtered", "kvm1")
    assert code == 1


def test_reserved_not_hit(tmp_path, capsys):
    # (6,4) and (5,0x47) are not reserved (adapter AND domain); an emulated guest is not vfio_ap's.
    code, diags = check(tmp_path, capsys, toml(host(5, 6), [
        guest("lpar1", adapters=[5, 6], usage=[4, 0x47], reserved={"adapters": [6], "domains": [0x47]}),
        guest("kvm1", "lpar1", adapters=[6], usage=[4]),
        guest("kvm2", "lpar1", adapters=[5], usage=[0x47]),
        guest("kvm3", "lpar1", backend="emulated", adapters=[6], usage=[0x47])]))
    assert not having(diags, "apqn-reserved-by-host")
    assert not having(diags, "adapter-filtered")
    assert code == 0


def test_adapter_filtered_legacy(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, ad(7, type="CEX3")), [
        guest("lpar1", adapters=[5, 7], usage=[4, 8]),
        guest("kvm1", "lpar1", adapters=[7], usage=[8])]))
    assert having(diags, "adapter-filtered", "kvm1")
    assert not any(d["severity"] == "error" for d in diags)
    assert code == 0


# -- crycb-format-mismatch ----------------------------------------------------------------------
def test_crycb_format_mismatch_nested(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, domains=16), [
        guest("lpar1", adapters=[5], usage=[4]),
        guest("kvm1", "lpar1", adapters=[5], usage=[4], crycb_format=1),
        guest("nested1", "kvm1", adapters=[5], usage=[4], crycb_format=2),
        guest("kvm2", "lpar1", adapters=[5], usage=[8], crycb_format=0, control=[8]),
        guest("nested2", "kvm2", adapters=[5], usage=[8], crycb_format=1, control=[8])]))
    assert having(diags, "crycb-format-mismatch", "nested1")
    assert having(diags, "crycb-format-mismatch", "nested2")
    assert not having(diags, "crycb-format-mismatch", "kvm1")
    assert not having(diags, "crycb-format-mismatch", "kvm2")
    assert code == 1


def test_crycb_format_mismatch_l1_on_machine_without_apxa(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, domains=16, apxa=False), [
        guest("lpar1", adapters=[5], usage=[4], crycb_format=2)]))
    assert having(diags, "crycb-format-mismatch", "lpar1")
    assert code == 1


# -- no-usage-domain ----------------------------------------------------------------------------
def test_no_usage_domain(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5), [
        guest("lpar1", adapters=[5], usage=[4]),
        guest("kvm1", "lpar1", adapters=[5], usage=[], control=[4])]))
    assert having(diags, "no-usage-domain", "kvm1")
    assert code == 1


# -- warnings and info: exit 0 --------------------------------------------------------------------
def test_not_in_parent(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, 6), [
        guest("lpar1", adapters=[5, 9], usage=[4, 8]),                               # 9: not on the machine
        guest("kvm1", "lpar1", adapters=[5, 6], usage=[4]),                           # 6: not in lpar1
        guest("kvm2", "lpar1", backend="emulated", adapters=[5], usage=[4, 7], control=[4, 7]),  # 7: not in lpar1
        guest("kvm3", "lpar1", adapters=[9], usage=[8], control=[8, 9]),            # control 9: not in lpar1
        guest("lpar2", adapters=[6], usage=[90], control=[90])]))                  # domain 90: machine has 0..84
    for g in ("lpar1", "kvm1", "kvm2", "kvm3", "lpar2"):
        assert having(diags, "not-in-parent", g), g
    errors = {(d["code"], d["guest"]) for d in diags if d["severity"] == "error"}
    assert errors == {("id-out-of-range", "lpar2")}, diags  # v2 row 12
    assert code == 1  # v2 row 12


def test_interpretation_below_emulation(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5, 6), [
        guest("lpar1", adapters=[5, 6], usage=[4, 8]),
        guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4]),
        guest("nested1", "kvm1", adapters=[5], usage=[4]),                       # APIE on under chain off
        guest("nested2", "kvm1", backend="emulated", adapters=[5], usage=[4]),   # APIE off: fine
        guest("kvm2", "lpar1", adapters=[6], usage=[8], apie=False),
        guest("nested3", "kvm2", adapters=[6], usage=[8]),                       # APIE on under chain off
        guest("deep4", "nested3", adapters=[6], usage=[8])]))                    # ancestor's chain off
    for g in ("nested1", "nested3", "deep4"):
        assert having(diags, "interpretation-below-emulation", g), g
    for g in ("lpar1", "kvm1", "nested2", "kvm2"):
        assert not having(diags, "interpretation-below-emulation", g), g
    assert code == 0


def test_apie_without_crycb(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5), [
        guest("lpar1", adapters=[5], usage=[4]),
        guest("kvm1", "lpar1", backend="emulated", adapters=[5], usage=[4], apie=True),
        guest("kvm2", "lpar1", backend="none", adapters=[5], usage=[4], apie=True),
        guest("kvm3", "lpar1", backend="emulated", adapters=[5], usage=[4])]))
    assert having(diags, "apie-without-crycb", "kvm1")
    assert not having(diags, "apie-without-crycb", "kvm2")  # v2 row 15
    assert not having(diags, "apie-without-crycb", "kvm3")
    assert code == 0


def test_usage_not_control(tmp_path, capsys):
    code, diags = check(tmp_path, capsys, toml(host(5), [
        guest("lpar1", adapters=[5], usage=[4, 8], control=[4])]))
    hits = having(diags, "usage-not-control", "lpar1")
    assert hits and hits[0]["severity"] == "info"
    assert code == 0


def test_2018_demo_only_warns_for_nested1(capsys):
    code, out, _ = call(["check", "2018", "--json"], capsys)
    diags = json.loads(out)["diagnostics"]
    assert codes(diags) == {("interpretation-below-emulation", "nested1")}
    assert code == 0


@pytest.mark.parametrize("as_json", [True, False])
def test_check_input_error_exit_2(tmp_path, capsys, as_json):
    p = tmp_path / "bad.toml"
    p.write_text("format = 1\n[host]\nadapterz = []\n")
    code, out, err = call(["check", str(p)] + (["--json"] if as_json else []), capsys)
    assert code == 2
