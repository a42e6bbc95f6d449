"""The Kubernetes CEX device plugin's ``cex_resources.json`` (its crypto config sets, model/cex_plugin.py;
the ConfigMap ``cex-resources-config`` holds it): read for ``aptui check --k8s``, and written for a
node from the APQNs its zcrypt drivers own.

Read as the plugin's encoding/json reads it into its structs: keys matched case-insensitively,
unknown keys ignored (noted here), a value of the wrong JSON type refuses the file.
"""

from __future__ import annotations

import json

import attrs

from aptui.formats.errors import InputError
from aptui.formats.files import read_text
from aptui.formats.real.exporting import Exported
from aptui.formats.real.json_lines import line_of, loads
from aptui.model.cex_plugin import APQNDef, CryptoConfig, CryptoConfigSet, check_crypto_config, crypto_config_sets
from aptui.model.topology import GuestView, Topology

PROJECT = "default"  # the namespace the export lets use its sets; the operator sets the real one
SET_KEYS = {"setname": str, "project": str, "cexmode": str, "mincexgen": str, "overcommit": int, "livesysfs": int,
            "apqns": list}
APQN_KEYS = {"adapter": int, "domain": int, "machineid": str}
INT64 = 1 << 63


@attrs.frozen
class ReadConfig:
    config: CryptoConfig
    notes: tuple[str, ...] = ()


def read(path: str) -> ReadConfig:
    doc, lines = loads(read_text(path, "a cex_resources.json (JSON)"), path)
    notes: list[str] = []

    def fail(where: tuple, message: str):
        raise InputError(path, line_of(lines, where), message)

    def fields(obj, where: tuple, known: dict, what: str) -> dict:
        if obj is None:  # null: encoding/json leaves the struct as it was, its zero value
            return {}
        if not isinstance(obj, dict):
            fail(where, f"expected {what} (a JSON object)")
        out = {}
        for key, value in obj.items():
            name = key.lower()
            w = where + (key,)
            if name not in known:
                line = line_of(lines, w)
                notes.append(f"{path}{'' if line is None else f':{line}'}: key {key!r} is not one the plugin reads "
                             f"in {what} ({', '.join(known)}): ignored")
                continue
            kind = known[name]
            if value is None:  # encoding/json leaves the field as it was: its zero value
                continue
            if kind is int and (isinstance(value, bool) or not isinstance(value, int) or not -INT64 <= value < INT64):
                fail(w, f"{key}: expected an integer, got {json.dumps(value)[:40]} (the plugin's json.Unmarshal "
                        "refuses the file)")
            if kind is not int and not isinstance(value, kind):
                want = "a string" if kind is str else "a list"
                fail(w, f"{key}: expected {want}, got {json.dumps(value)[:40]} (the plugin's json.Unmarshal "
                        "refuses the file)")
            out[name] = value
        return out

    top = fields(doc, (), {"cryptoconfigsets": list}, "the file")
    top_key = next((k for k in doc or () if k.lower() == "cryptoconfigsets"), "cryptoconfigsets")
    sets = []
    for i, raw in enumerate(top.get("cryptoconfigsets", [])):
        where = (top_key, i)
        s = fields(raw, where, SET_KEYS, "a crypto config set")
        apqns_key = next((k for k in raw or () if k.lower() == "apqns"), "apqns")
        apqns = tuple(APQNDef(**{"adapter": 0, "domain": 0, "machineid": "",
                                 **fields(a, where + (apqns_key, j), APQN_KEYS, "an APQN")})
                      for j, a in enumerate(s.pop("apqns", [])))
        sets.append(CryptoConfigSet(**{"setname": "", "project": "", **s, "apqns": apqns}))
    if not sets:
        notes.append(f"{path}: no crypto config set: the plugin serves nothing")
    return ReadConfig(CryptoConfig(tuple(sets)), tuple(notes))


def config_text(cc: CryptoConfig) -> str:
    """``cex_resources.json`` as the plugin's documentation lays it out."""
    return json.dumps({"cryptoconfigsets": [
        {"setname": s.setname, "project": s.project, **({"cexmode": s.cexmode} if s.cexmode else {}),
         "apqns": [{"adapter": a.adapter, "domain": a.domain, "machineid": a.machineid} for a in s.apqns]}
        for s in cc.sets]}, indent=4) + "\n"


def export(topo: Topology, views: list[GuestView], named: bool) -> Exported:
    """The sets of one node (a guest that runs the plugin); the notes are what `aptui check --k8s`
    says of them on that node, and the project to set."""
    node = views[0].name
    cc = crypto_config_sets(topo, node, PROJECT)
    notes = [f"{node}: {d.message}" for d in check_crypto_config(topo, node, cc)]
    if cc.sets:
        notes.append(f"project is {PROJECT!r} in every set: set it to the namespace whose pods may use the set")
    else:
        notes.append(f"{node}: its zcrypt drivers own no queue: no set to write")
    return Exported(config_text(cc), tuple(notes))
