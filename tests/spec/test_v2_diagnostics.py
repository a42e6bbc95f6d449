"""Spec version 2, row 14: the four new diagnostics of `aptui check` and their severities (section 7)."""

from ._h import codes_of, diagnose, guest, host, toml

NEW = {"no-ap-facility": "error", "apqi-unavailable": "error", "beyond-crycb-format": "warning", "no-apft": "warning"}


def test_the_four_new_codes_and_their_severities(tmp_path, capsys):
    """Row 14, spec 7: `no-ap-facility` error, `apqi-unavailable` error, `beyond-crycb-format` warning, `no-apft`
    warning; `check` exits 1 when there are errors (9)."""
    t = toml(host(5, 6, 7, 8, 0x47), [
        guest("lpar1", adapters=[5, 6, 7, 8, 0x47], usage=[4]),
        guest("noap", "lpar1", adapters=[5], usage=[4], features=["apqci", "apft"]),
        guest("kvm1", "lpar1", adapters=[6], usage=[4]),
        guest("nested1", "kvm1", adapters=[6], usage=[4], features=["ap", "apqci", "apft", "apqi"]),
        guest("fmt1", "lpar1", adapters=[7, 0x47], usage=[4], crycb_format=1),
        guest("noapft", "lpar1", adapters=[8], usage=[4], features=["ap", "apqci"])])
    code, diags = diagnose(t, tmp_path, capsys)
    expected = {"noap": "no-ap-facility", "nested1": "apqi-unavailable", "fmt1": "beyond-crycb-format",
                "noapft": "no-apft"}
    for g, c in expected.items():
        hits = [d for d in diags if d["code"] == c and d["guest"] == g]
        assert hits, (g, c, diags)
        assert all(d["severity"] == NEW[c] for d in hits)
        assert all(isinstance(d["message"], str) and d["message"] for d in hits)
    for d in diags:
        if d["code"] in NEW:
            assert d["severity"] == NEW[d["code"]]
    assert code == 1


def test_warnings_alone_exit_0(tmp_path, capsys):
    """Row 14, spec 7 and 9: `beyond-crycb-format` and `no-apft` are warnings: "0 no errors"."""
    t = toml(host(5, 6, 0x47), [
        guest("lpar1", adapters=[5, 6, 0x47], usage=[4]),
        guest("fmt1", "lpar1", adapters=[5, 0x47], usage=[4], crycb_format=1),
        guest("noapft", "lpar1", adapters=[6], usage=[4], features=["ap", "apqci"])])
    code, diags = diagnose(t, tmp_path, capsys)
    assert "beyond-crycb-format" in codes_of(diags, "fmt1")
    assert "no-apft" in codes_of(diags, "noapft")
    assert code == 0


def test_no_apft_for_a_guest_with_ap_but_without_apft(tmp_path, capsys):
    """Row 14, spec 7: `no-apft`: "a guest with `ap` but without `apft`", at any level and whatever its backend;
    not for a guest without `ap`, nor with the default features (`ap`, `apqci`, `apft`, 8)."""
    t = toml(host(5, 6, 7, 8), [
        guest("lpar1", adapters=[5, 6, 7, 8], usage=[4], features=["ap", "apqci"]),
        guest("emu", "lpar1", backend="emulated", adapters=[5], usage=[4], features=["ap"]),
        guest("none", "lpar1", backend="none", adapters=[6], usage=[4], features=["ap", "apqci"]),
        guest("bare", "lpar1", backend="none", adapters=[7], usage=[4], features=[]),
        guest("default", "lpar1", adapters=[8], usage=[4])])
    code, diags = diagnose(t, tmp_path, capsys)
    for g in ("lpar1", "emu", "none"):
        assert "no-apft" in codes_of(diags, g), g
    for g in ("bare", "default"):
        assert "no-apft" not in codes_of(diags, g), g


def test_apqi_on_l1_and_l2_is_available(tmp_path, capsys):
    """Row 14, spec 7: `apqi-unavailable` is for level 3 or deeper only (an L1 and an L2 can have facility 65)."""
    apqi = ["ap", "apqci", "apft", "apqi"]
    t = toml(host(5), [guest("lpar1", adapters=[5], usage=[4], features=apqi),
                       guest("kvm1", "lpar1", adapters=[5], usage=[4], features=apqi)])
    code, diags = diagnose(t, tmp_path, capsys)
    assert diags == []
    assert code == 0
