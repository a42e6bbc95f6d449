"""The Kubernetes CEX device plugin's cex_resources.json: exported for a node, read back, and checked
with the plugin's rules (CryptoConfig.Verify) and what the node's scan gives it."""

import json

import attrs
import pytest

from aptui import demos
from aptui.cli import main
from aptui.formats.errors import InputError
from aptui.formats.real import k8s
from aptui.formats.real.convert import ExportError, export
from aptui.formats.scenario.file import loads
from aptui.model import Adapter, Guest, Host, Scenario
from aptui.model.cex_plugin import (
    APQNDef, CryptoConfig, CryptoConfigSet, check_crypto_config, crypto_config_sets, crypto_config_verify,
    is_qualified_name,
)
from aptui.model.topology import Topology


def passthrough():
    return loads(demos.text("passthrough"))


def mixed() -> Scenario:
    """An LPAR node without KVM guests: every queue is its zcrypt drivers', on three kinds of card."""
    host = Host(True, (Adapter(1, "CEX8", "cca"), Adapter(2, "CEX8", "ep11"), Adapter(3, "CEX7", "cca"),
                       Adapter(4, "CEX8", "cca", state="deconfigured")), 85)
    return Scenario("mixed", host=host, guests=(
        Guest("Node 1", adapters=frozenset({1, 2, 3, 4}), usage_domains=frozenset({6, 7}),
              control_domains=frozenset({6, 7})),))


def write(tmp_path, doc) -> str:
    f = tmp_path / "cex_resources.json"
    f.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=1))
    return str(f)


def test_a_node_gets_one_set_per_kind_of_card_and_its_export_reads_back(tmp_path):
    s = mixed()
    out = export("k8s", s, "Node 1")
    back = k8s.read(write(tmp_path, out.text))
    assert back.notes == ()
    sets = {x.setname: x for x in back.config.sets}
    assert set(sets) == {"node-1-cex8c", "node-1-cex8p", "node-1-cex7c"}
    assert [(a.adapter, a.domain) for a in sets["node-1-cex8c"].apqns] == [(1, 6), (1, 7), (4, 6), (4, 7)]
    assert sets["node-1-cex8p"].cexmode == "ep11" and sets["node-1-cex7c"].cexmode == "cca"
    assert all(x.project == k8s.PROJECT for x in back.config.sets)
    assert crypto_config_verify(back.config) == []
    assert check_crypto_config(Topology(s), "Node 1", back.config) == []
    assert any("project is 'default'" in n for n in out.notes)


def test_the_export_needs_one_node():
    with pytest.raises(ExportError, match="choose one with --guest"):
        export("k8s", passthrough())
    assert json.loads(export("k8s", passthrough(), "nested1").text)["cryptoconfigsets"][0]["setname"] == "nested1-cex8c"


@pytest.mark.parametrize("sets, words", [
    ([{"setname": "a b", "project": "p"}], "Set name 'a b' not a valid qualified name: name part must consist"),
    ([{"setname": "s", "project": "p"}, {"setname": "s", "project": "q"}],
     "More than one set 's' - setname needs to be unique"),
    ([{"setname": "s"}], "CryptoConfigSet 's' verify: Projectname is empty"),
    ([{"setname": "s", "project": "p", "cexmode": "CCA"}], "Unknown/unsupported cexmode 'CCA'"),
    ([{"setname": "s", "project": "p", "mincexgen": "cex3"}], "Unknown/unsupported mincexgen 'cex3'"),
    ([{"setname": "s", "project": "p", "overcommit": -1}], "Unknown/unsupported overcommit value '-1'"),
    ([{"setname": "s", "project": "p", "apqns": [{"adapter": 256, "domain": 1}]}],
     "APQN(256,1) - invalid adapter 256 [0...255]"),
    ([{"setname": "s", "project": "p", "apqns": [{"adapter": 1, "domain": -1}]}],
     "APQN(1,-1) - invalid domain -1 [0...255]"),
    ([{"setname": "s", "project": "p", "apqns": [{"adapter": 1, "domain": 6}, {"adapter": 1, "domain": 6,
                                                                              "machineid": "IBM-3931-1"}]}],
     "APQN(1,6) and APQN(1,6) are effectively the same"),
    ([{"setname": "s", "project": "p", "apqns": [{"adapter": 1, "domain": 6}]},
      {"setname": "t", "project": "p", "apqns": [{"adapter": 1, "domain": 6}]}],
     "CryptoConfigSet 's' verify: APQN(1,6) appears also in set 't'"),
])
def test_verify_refuses_the_file_in_the_plugins_words(tmp_path, sets, words, capsys):
    path = write(tmp_path, {"cryptoconfigsets": sets})
    assert main(["check", "passthrough", "--k8s", path, "--node", "nested1"]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "cex-plugin-verify" in x)
    assert words in line and "the plugin refuses the whole file" in line


def test_machineids_tell_the_same_apqn_of_two_machines_apart():
    two = CryptoConfig((CryptoConfigSet("s", "p", apqns=(APQNDef(1, 6, "IBM-3931-A"), APQNDef(1, 6, "IBM-3931-B"))),))
    assert crypto_config_verify(two) == []


@pytest.mark.parametrize("name, ok", [
    ("cca-set_1.x", True), ("example.com/MyName", True), ("-a", False), ("a/b/c", False), ("/a", False),
    ("Example.com/a", False), ("x" * 63, True), ("x" * 64, False), ("", False),
])
def test_setnames_are_kubernetes_qualified_names(name, ok):
    assert (is_qualified_name(name) == []) == ok


def test_apqns_bound_to_vfio_ap_on_the_node_give_the_plugin_nothing(tmp_path, capsys):
    """lpar1 runs KVM guests: kvm1's queues are bound to vfio_ap, and no queue dir of vfio_ap has `online`."""
    s = passthrough()
    kvm1 = s.guest("kvm1")
    a, d = min(kvm1.adapters), min(kvm1.usage_domains)
    cc = CryptoConfig((CryptoConfigSet("s", "p", apqns=(APQNDef(a, d),)),))
    (diag,) = check_crypto_config(Topology(s), "lpar1", cc)
    assert diag.code == "cex-plugin-vfio-ap" and diag.severity == "error"
    assert "assigned to the mdev of kvm1" in diag.message and f"{a:02x}.{d:04x}" in diag.apqns
    assert "Error reading 'online' file from queuedir" in diag.message
    path = write(tmp_path, k8s.config_text(cc))
    assert main(["check", "passthrough", "--k8s", path, "--node", "lpar1"]) == 1
    assert "cex-plugin-vfio-ap" in capsys.readouterr().out


def test_a_set_without_a_queue_on_the_node_and_a_mode_the_plugin_does_not_screen():
    s = mixed()
    cc = CryptoConfig((CryptoConfigSet("elsewhere", "p", apqns=(APQNDef(9, 9),)),
                       CryptoConfigSet("newer", "p", mincexgen="cex8", apqns=(APQNDef(3, 6),)),
                       CryptoConfigSet("cca", "p", cexmode="cca", apqns=(APQNDef(1, 6), APQNDef(2, 6)))))
    found = {(d.code, d.message.split("'")[1]): d for d in check_crypto_config(Topology(s), "Node 1", cc)}
    assert set(found) == {("cex-plugin-no-device", "elsewhere"), ("cex-plugin-no-device", "newer"),
                          ("cex-plugin-mode-mismatch", "cca")}
    assert found[("cex-plugin-mode-mismatch", "cca")].apqns == ("02.0006",)
    assert "cex8 or newer" in found[("cex-plugin-no-device", "newer")].message


def test_reading_follows_encoding_json(tmp_path):
    path = write(tmp_path, '{"CryptoConfigSets": [{"SetName": "s", "project": "p", "color": 1,\n'
                           ' "apqns": [{"Adapter": 1, "domain": 6, "machineid": null}]}]}')
    read = k8s.read(path)
    assert read.config == CryptoConfig((CryptoConfigSet("s", "p", apqns=(APQNDef(1, 6),)),))
    assert read.notes == (f"{path}:1: key 'color' is not one the plugin reads in a crypto config set (setname, "
                          "project, cexmode, mincexgen, overcommit, livesysfs, apqns): ignored",)


def test_null_is_the_zero_value_as_in_encoding_json(tmp_path):
    """json.Unmarshal of null into a struct, a slice element or the file leaves the zero value."""
    path = write(tmp_path, '{"cryptoconfigsets": [null, {"setname": "s", "apqns": [null, {"adapter": 2}]}]}')
    assert k8s.read(path).config == CryptoConfig((CryptoConfigSet("", ""), CryptoConfigSet("s", "", apqns=(APQNDef(0, 0), APQNDef(2, 0)))))
    assert k8s.read(write(tmp_path, "null")).config == CryptoConfig(())


@pytest.mark.parametrize("text, line, words", [
    ('{"cryptoconfigsets": [\n{"setname": "s", "apqns": [\n{"adapter": "1"}]}]}', 3, "adapter: expected an integer"),
    ('{"cryptoconfigsets": [\n{"setname": "s", "apqns": [\n{"adapter": 1.0}]}]}', 3, "adapter: expected an integer"),
    ('{"cryptoconfigsets": [\n{"setname": 5}]}', 2, "setname: expected a string"),
    ('{"cryptoconfigsets": {}}', 1, "cryptoconfigsets: expected a list"),
    ('[]', None, "expected the file (a JSON object)"),
    ('{"cryptoconfigsets": [\n{"setname": "s",\n}]}', 3, "not valid JSON"),
])
def test_what_the_plugin_cannot_unmarshal_is_an_input_error(tmp_path, text, line, words, capsys):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as e:
        k8s.read(path)
    assert (e.value.line, words in e.value.message) == (line, True), str(e.value)
    assert main(["check", "passthrough", "--k8s", path, "--node", "nested1"]) == 2


def test_the_command_line_wants_one_node(tmp_path, capsys):
    path = write(tmp_path, {"cryptoconfigsets": []})
    assert main(["check", "passthrough", "--k8s", path]) == 2
    assert "--node NAME" in capsys.readouterr().err
    assert main(["check", "passthrough", "--k8s", path, "--node", "nobody"]) == 2
    with pytest.raises(SystemExit):
        main(["check", "passthrough", "--node", "lpar1"])
    assert main(["check", "passthrough", "--k8s", path, "--node", "nested1"]) == 0


def test_a_node_offers_the_queues_apmask_and_aqmask_keep_for_its_drivers_and_all_without_kvm_guests():
    """lpar1 keeps 0a x 0047 for its own drivers and gives the rest to vfio_ap; alone, every queue is zcrypt's."""
    s = passthrough()
    reserved = s.guest("lpar1").reserved
    (one,) = crypto_config_sets(Topology(s), "lpar1", "p").sets
    assert [(a.adapter, a.domain) for a in one.apqns] == [(a, d) for a in sorted(reserved.adapters)
                                                          for d in sorted(reserved.domains)]
    alone = attrs.evolve(s, guests=tuple(g for g in s.guests if g.name == "lpar1"))
    lpar1 = alone.guest("lpar1")
    found = [(a.adapter, a.domain) for x in crypto_config_sets(Topology(alone), "lpar1", "p").sets for a in x.apqns]
    assert sorted(found) == [(a, d) for a in sorted(lpar1.adapters) for d in sorted(lpar1.usage_domains)]
