"""The package's stage folders import only their own stage and the stages
below (tools/import_layers.py), with no import cycles."""

from tools import import_layers


def test_imports_point_down_the_stages_and_make_no_cycle():
    graph = import_layers.imports()
    assert import_layers.upward(graph) == []
    assert import_layers.cycles({m: {t for t in ts if t != "nsadc"} for m, ts in graph.items()}) == []


def test_every_module_has_a_stage():
    assert all(import_layers.stage_of(m) is not None for m in import_layers.imports())
