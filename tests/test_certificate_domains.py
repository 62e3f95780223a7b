"""The certificate's domain: stated ranges and relations bind the claim,
derived conditions make it conditional, genuine jumps stay rejected; whole-array
programs are certified from Python and from the CLI alike."""

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nsadc
from nsadc.certificate.certificate import validate
from nsadc.certificate.domain import Domain, parse_relation
from nsadc.cli import app
from nsadc.errors import ArgumentError
from programs import domain_cases as P

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(P.__file__)
EXAMPLES = ROOT / "examples"
runner = CliRunner()


def cert_of(fn, **kw):
    cert = nsadc.differentiate(fn, target="python").certificate(**kw)
    validate(cert.to_dict())  # every certificate made here matches the schema
    return cert


def continuity(cert):
    return [o for o in cert.obligations if o.kind == "continuity"]


def certify_cli(func, *args, path=CASES):
    r = runner.invoke(app, ["certify", f"{path}:{func}", "--json", *args])
    data = json.loads(r.stdout)
    validate(data)
    return r.exit_code, data


# ------------------------------------------------------------------ derived conditions


def test_soft_threshold_is_conditional_on_a_derived_assumption():
    cert = cert_of(P.soft_threshold)
    assert cert.status == "conditional", str(cert)
    first, second = continuity(cert)
    assert (first.status, first.restriction) == ("restricted", "t >= 0")
    assert second.status == "proved"
    # the witness of the other side: a jump where t < 0, marked outside the domain
    w = first.witness
    assert w is not None and not w.inside and w.point["t"] < 0 and w.jump > 1e-3
    claim = cert.claim()
    assert claim["made"] and claim["derived"] == [{"condition": "t >= 0", "obligations": [first.id]}]
    assert "t >= 0" in claim["domain"] and "where t >= 0" in claim["text"]
    assert "Derived assumption" in claim["text"] and any("derived assumption: t >= 0" in a
                                                         for a in claim["assumptions"])
    data = cert.to_dict()
    assert data["obligations"][first_index(data, first.id)]["continuity"]["holds_where"] == "t >= 0"
    assert data["domain"]["derived"][0]["witnesses"][0]["inside_domain"] is False


def first_index(data, oid):
    return [o["id"] for o in data["obligations"]].index(oid)


def test_soft_threshold_is_certified_on_the_stated_half_line():
    cert = cert_of(P.soft_threshold, ranges={"t": (0.0, math.inf)})
    assert cert.status == "certified", str(cert)
    assert all(o.status == "proved" for o in cert.obligations)
    claim = cert.claim()
    assert claim["stated"] == ["t >= 0"] and claim["derived"] == [] and claim["domain"] == ["t >= 0"]
    assert "where t >= 0" in claim["text"] and "Stated domain" in claim["text"]
    assert cert.to_dict()["domain"]["ranges"] == {"t": [0.0, "inf"]}
    # the same stated as a relation
    assert cert_of(P.soft_threshold, assume=["t >= 0"]).status == "certified"


def test_clip_is_conditional_on_lo_le_hi_and_certified_when_stated():
    cert = cert_of(P.clip)
    assert cert.status == "conditional", str(cert)
    restricted = [o for o in continuity(cert) if o.status == "restricted"]
    assert [o.restriction for o in restricted] == ["lo <= hi"]
    w = restricted[0].witness
    assert w is not None and not w.inside and w.point["lo"] > w.point["hi"]
    assert cert.claim()["derived"][0]["condition"] == "lo <= hi"
    stated = cert_of(P.clip, assume=["lo <= hi"])
    assert stated.status == "certified", str(stated)
    assert stated.claim()["stated"] == ["lo <= hi"]
    assert cert_of(P.clip, assume="lo < hi").status == "certified"


def test_cli_states_the_same_domains():
    code, data = certify_cli("soft_threshold")
    assert code == 0 and data["status"] == "conditional"
    assert data["claim"]["derived"][0]["condition"] == "t >= 0"
    code, data = certify_cli("soft_threshold", "--range", "t=0:inf")
    assert code == 0 and data["status"] == "certified" and data["claim"]["stated"] == ["t >= 0"]
    assert data["domain"]["ranges"] == {"t": [0.0, "inf"]}
    code, data = certify_cli("clip", "--assume", "lo<=hi")
    assert code == 0 and data["status"] == "certified" and data["claim"]["stated"] == ["lo <= hi"]
    code, data = certify_cli("clip")
    assert code == 0 and data["status"] == "conditional"
    # python and the CLI agree on the document (up to the file's spelling)
    py = cert_of(P.clip, assume=["lo <= hi"]).to_dict()
    _, cli = certify_cli("clip", "--assume", "lo <= hi")
    assert py["obligations"] == cli["obligations"] and py["claim"] == cli["claim"]


def test_check_uses_the_stated_and_derived_domain():
    # the probes sample where the claim is made: t >= 0 (derived), so no jump is met
    cert = cert_of(P.soft_threshold, probe=True, points=16)
    assert cert.status == "conditional", str(cert)
    assert cert.checks["passed"] and cert.checks["continuity"]["jumps"] == 0
    r = runner.invoke(app, ["check", f"{CASES}:clip", "--assume", "lo<=hi", "--target", "python",
                            "--points", "12", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    validate(data)
    assert data["status"] == "certified" and data["checks"]["passed"]
    r = runner.invoke(app, ["check", f"{CASES}:soft_threshold", "--range", "t=0:inf", "--target", "python",
                            "--points", "12", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    validate(data)
    assert data["status"] == "certified" and data["checks"]["ranges"] == {"t": [0.0, "inf"]}


# ------------------------------------------------------------------ genuine jumps


def test_a_jump_everywhere_stays_rejected_with_a_witness_in_the_domain():
    for kw in ({}, {"ranges": {"x": (-1.0, 1.0)}}, {"ranges": {"x": (0.0, math.inf)}}):
        cert = cert_of(P.jump, **kw)
        assert cert.status == "rejected", (kw, str(cert))
        (ob,) = continuity(cert)
        assert ob.status == "violated" and ob.witness.inside and ob.witness.jump == pytest.approx(1.0)
        lo, hi = kw.get("ranges", {}).get("x", (-math.inf, math.inf))
        assert lo <= ob.witness.point["x"] <= hi
        assert not cert.claim()["made"]
    cert = cert_of(P.jump_on_boundary_of_t)
    assert cert.status == "rejected" and not cert.claim()["derived"]


def test_a_jump_inside_a_stated_box_is_found_and_one_outside_is_not_counted():
    cert = cert_of(P.jump_mid, ranges={"x": (0.0, 1.0), "y": (-1.0, 1.0)})
    assert cert.status == "rejected"
    w = continuity(cert)[0].witness
    assert 0.0 <= w.point["x"] <= 1.0 and -1.0 <= w.point["y"] <= 1.0
    # a box the boundary x == 0.5 only grazes: still met (points put on the boundary)
    cert = cert_of(P.jump_mid, ranges={"x": (0.4999, 0.5001), "y": (0.0, 1e-3)})
    assert cert.status == "rejected"
    assert cert_of(P.jump_far, ranges={"x": (0.0, 1.0)}).status == "certified"
    assert cert_of(P.jump_far).status == "rejected"
    # a stated domain where the soft threshold jumps everywhere on its boundary
    cert = cert_of(P.soft_threshold, ranges={"t": (-3.0, -1.0)})
    assert cert.status == "rejected", str(cert)
    w = continuity(cert)[0].witness
    assert w.inside and -3.0 <= w.point["t"] <= -1.0


def test_thin_regions_are_never_certified():
    cert = cert_of(P.thin)
    assert cert.status == "rejected"
    assert all(o.status == "violated" and o.witness is not None for o in continuity(cert))
    cert = cert_of(P.thin, ranges={"x": (-1.0, 1.0)})
    assert cert.status == "rejected"
    # a region 2e-9 wide that random lines step over: the boundary's valley is searched
    for fn in (P.needle, P.needle_between):
        cert = cert_of(fn)
        assert cert.status == "rejected", str(cert)
        (ob,) = continuity(cert)
        assert ob.witness.inside and ob.witness.jump == pytest.approx(1.0)
    for kw in ({}, {"ranges": {"t": (0.0, 1.0)}}):
        cert = cert_of(P.thin_param, **kw)
        assert cert.status != "certified", str(cert)
        # whatever is claimed, the derived domain holds no point of the thin region
        space = cert.space
        assert not space.contains({"x": 0.5, "t": 5e-7})


def test_derived_domain_must_leave_room():
    # x >= 1e-3 (from x == 0) and x <= 0 (from x == 1e-3) would leave nothing: never derived here
    cert = cert_of(P.thin)
    assert not cert.claim()["derived"]


# ------------------------------------------------------------------ domains: parsing


def test_relations_and_ranges_parse():
    params = {"x": "float", "lo": "float", "hi": "float"}
    rels = parse_relation("0 <= lo < hi and x + 2 * lo >= 1", params)
    assert [(r.text, r.strict) for r in rels] == [("0 <= lo", False), ("lo < hi", True), ("x + 2 * lo >= 1", False)]
    dom = Domain.make(params, {"x": ("-inf", 5)}, ["lo <= hi"])
    assert dom.stated() == ["x <= 5", "lo <= hi"]
    assert dom.contains({"x": 1.0, "lo": 0.0, "hi": 1.0}) and not dom.contains({"x": 1.0, "lo": 2.0, "hi": 1.0})
    for bad in ("lo == hi", "lo <= z", "abs(lo) <= hi", "lo <"):
        with pytest.raises(ArgumentError):
            parse_relation(bad, params)
    with pytest.raises(ArgumentError):
        Domain.make(params, {"x": (1.0, 0.0)})
    with pytest.raises(ArgumentError):
        Domain.make(params, {"z": (0.0, 1.0)})


def test_cli_refuses_malformed_domains():
    for args in (["--assume", "lo == hi"], ["--assume", "lo <= z"], ["--range", "x=1:0"], ["--range", "q=0:1"],
                 ["--range", "x=a:b"]):
        r = runner.invoke(app, ["certify", f"{CASES}:clip", *args])
        assert r.exit_code == 2, (args, r.output)


# ------------------------------------------------------------------ whole-array programs


def _example(name):
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"cert_example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


WHOLE_ARRAY = [("svm_vectorized", "svm_loss", "w,b", {"X": 2, "y": 1, "w": 1}),
               ("relu_mlp_vectorized", "mlp_loss", "W1,b1,w2,b2", {"X": 2, "y": 1, "W1": 2, "b1": 1, "w2": 1})]


@pytest.mark.parametrize("name,func,wrt,ranks", WHOLE_ARRAY, ids=[w[1] for w in WHOLE_ARRAY])
def test_whole_array_examples_certified_from_python_and_cli_alike(name, func, wrt, ranks, monkeypatch):
    f = getattr(_example(name), func)
    cert = f.certificate(ranks=ranks)
    assert cert.status == "certified", str(cert)
    py = cert.to_dict()
    validate(py)
    spec = ",".join(f"{k}={v}" for k, v in ranks.items())
    r = runner.invoke(app, ["certify", f"{EXAMPLES / name}.py:{func}", "--json", "--wrt", wrt, "--ranks", spec])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == py
    # a relative path names the same file
    monkeypatch.chdir(ROOT)
    r = runner.invoke(app, ["certify", f"examples/{name}.py:{func}", "--json", "--wrt", wrt, "--ranks", spec])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == py
    # without --wrt: the decorator's wrt= is read from the source (the file is not run)
    r = runner.invoke(app, ["certify", f"{EXAMPLES / name}.py:{func}", "--json", "--ranks", spec])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == py
    kinks = [o for o in cert.obligations if o.kind == "kink"]
    assert [o.construct for o in kinks] == ["np.maximum"]


def test_whole_array_certificate_from_a_call_made():
    mod = _example("svm_vectorized")
    f = nsadc.differentiate(mod.svm_loss.__wrapped__, wrt=("w", "b"), target="python")
    with pytest.raises(nsadc.NsadcError, match="ranks"):
        f.certificate()
    rng = np.random.default_rng(0)
    X, y, w = rng.standard_normal((6, 3)), np.sign(rng.standard_normal(6)), rng.standard_normal(3)
    f.grad(X, y, w, 0.1, 1e-3)
    assert f.certificate().to_dict() == f.certificate(ranks={"X": 2, "y": 1, "w": 1}).to_dict()
    with pytest.raises(ArgumentError):
        f.certificate(ranks={"Z": 2})


def test_vectorized_obligations_are_per_source_expression():
    mod = _example("svm_vectorized")
    cert = mod.robust_fit.certificate(ranks={"A": 2, "t": 1, "w": 1})
    assert cert.status == "certified", str(cert)
    by = {(o.construct, o.line, o.column): o for o in cert.obligations}
    assert len(by) == len(cert.obligations)  # one obligation per source expression
    (where,) = continuity(cert)
    assert where.construct == "np.where condition" and where.status == "proved"
    assert where.boundary == "a == delta"
    abs_of_w = [o for o in cert.obligations if o.construct == "np.abs" and len(o.sites) > 1]
    assert abs_of_w  # np.max(np.abs(w)) lowers np.abs into several loops: one obligation
    cert = cert_of(P.sort_and_rows, ranks={"X": 2, "v": 1})
    assert cert.status == "certified"
    texts = {o.construct: o.kink_set for o in cert.obligations if o.construct in ("np.sort",)}
    assert texts == {"np.sort": "two entries of v are equal"}
    assert "a tie among the extreme entries of X" in [o.kink_set for o in cert.obligations]


def test_vectorized_jumps_are_rejected_and_thresholds_proved():
    cert = cert_of(P.where_jump, ranks={"x": 1})
    assert cert.status == "rejected"
    (ob,) = continuity(cert)
    assert ob.witness is not None and abs(ob.witness.point["x[i]"]) < 1e-9
    assert cert_of(P.where_threshold, ranks={"x": 1}).status == "certified"


def test_a_constant_gap_however_small_is_a_jump():
    cert = cert_of(P.tiny_jump)
    assert cert.status == "rejected"
    (ob,) = continuity(cert)
    assert ob.witness.jump == pytest.approx(1e-9) and abs(ob.witness.point["x"]) < 1e-12


def test_domain_obligations_are_proved_on_a_stated_domain():
    cert = cert_of(P.singular)
    assert cert.status == "conditional" and cert.claim()["domain"] == ["x > 0", "y > 0", "y != 0"]
    cert = cert_of(P.singular, ranges={"x": (1.0, math.inf), "y": (0.5, 2.0)})
    assert cert.status == "certified", str(cert)
    assert cert.claim()["domain"] == ["x >= 1", "0.5 <= y <= 2"]
    assert all(o.statement.endswith("on the stated domain") for o in cert.obligations)
    assert cert_of(P.spread, assume="lo < hi").status == "certified"
    cert = cert_of(P.spread, assume="lo <= hi")  # sqrt(hi - lo) is not Lipschitz where lo == hi
    assert cert.status == "conditional" and "hi - lo > 0" in cert.claim()["domain"]
