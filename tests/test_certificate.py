"""The conservative-field certificate: statuses, JSON schema, probes, CLI."""

import dataclasses
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nsadc
from nsadc.certificate import static
from nsadc.certificate.certificate import Certificate, load_schema, schema_path, validate
from nsadc.cli import app
from nsadc.frontend.source import parse_file
from nsadc.pipeline import compile_function
from nsadc.rules.policy import Policy, resolve_policy
from programs import certify_cases as P
from programs import kinks as K

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(P.__file__)
EXAMPLE = ROOT / "examples" / "hinge.py"
runner = CliRunner()


def cert_of(fn, kinks=None, **probe) -> Certificate:
    d = nsadc.differentiate(fn, kinks=kinks, target="python")
    return d.certificate(**probe)


def by_kind(cert, kind):
    return [o for o in cert.obligations if o.kind == kind]


# ------------------------------------------------------------------ statuses (static)

CERTIFIED = [P.relu_branch, P.max_as_if, P.sign_times, P.crescent_branch, P.huber, P.both_positive,
             P.hard_tanh_loop, P.floor_unused, P.norm_hypot, P.hinge_l1, P.positive_denominator,
             P.relu_difference, P.abs_loop, K.k_abs, K.k_max3_const, K.k_clip, K.k_branch]
CONDITIONAL = [P.root_of_sum, P.log_ratio, P.trig_identity_branch, P.feeds_loop, P.halving]
REJECTED = [P.jump_branch, P.floor_path, P.sawtooth, P.copysign_y, P.early_return_jump]


@pytest.mark.parametrize("fn", CERTIFIED, ids=lambda f: f.__name__)
def test_certified(fn):
    cert = cert_of(fn)
    assert cert.status == "certified", str(cert)
    assert all(o.status == "proved" for o in cert.obligations)
    assert cert.claim()["made"] and not cert.claim()["domain"]


@pytest.mark.parametrize("fn", CONDITIONAL, ids=lambda f: f.__name__)
def test_conditional(fn):
    cert = cert_of(fn)
    assert cert.status == "conditional", str(cert)
    assert not any(o.status == "violated" for o in cert.obligations)


@pytest.mark.parametrize("fn", REJECTED, ids=lambda f: f.__name__)
def test_rejected_with_a_witness(fn):
    cert = cert_of(fn)
    assert cert.status == "rejected", str(cert)
    bad = [o for o in cert.obligations if o.status == "violated"]
    assert bad and all(o.kind == "continuity" for o in bad)
    w = bad[0].witness
    assert w is not None and w.found_by == "static" and w.jump > 0.1
    assert not cert.claim()["made"]


def test_discontinuous_branch_is_never_certified():
    cert = cert_of(P.jump_branch)
    (ob,) = cert.obligations
    assert ob.construct == "conditional expression" and ob.condition == "x > 0"
    assert ob.boundary == "x == 0" and ob.status == "violated"
    assert abs(ob.witness.point["x"]) < 1e-12 and ob.witness.jump == pytest.approx(1.0)
    assert "x + 1 if x > 0 else x" in ob.code


def test_continuous_branch_is_proved_symbolically():
    (ob,) = cert_of(P.max_as_if).obligations
    assert (ob.construct, ob.status, ob.method) == ("if", "proved", "symbolic")
    (ob,) = by_kind(cert_of(P.huber), "continuity")
    assert ob.status == "proved" and "abs(r)" in ob.detail


def test_trig_identity_is_only_probed():
    (ob,) = cert_of(P.trig_identity_branch).obligations
    assert (ob.status, ob.method) == ("probed", "boundary sampling")


def test_floor_in_a_differentiable_path_is_rejected():
    (ob,) = cert_of(P.floor_path).obligations
    assert ob.kind == "continuity" and ob.primitive == "floor" and ob.status == "violated"
    assert ob.boundary == "x an integer"
    assert ob.witness.jump == pytest.approx(1.0)
    # floor of a value that does not reach the result does not matter
    (ob,) = cert_of(P.floor_unused).obligations
    assert ob.status == "proved" and "does not influence" in ob.detail


def test_sqrt_of_a_sum_a_norm_and_hypot():
    cert = cert_of(P.root_of_sum)
    (ob,) = cert.obligations
    assert (ob.kind, ob.construct, ob.status) == ("domain", "sqrt", "restricted")
    assert ob.restriction == "x * x + y > 0"
    assert cert.claim()["domain"] == ["x * x + y > 0"]
    assert "where x * x + y > 0" in cert.claim()["text"]
    # the root of a sum of squares is a norm: a kink at the origin, like hypot's
    cert = cert_of(P.norm_sqrt)
    (ob,) = cert.obligations
    assert cert.status == "certified"
    assert (ob.kind, ob.primitive, ob.clarke_set, ob.selection) == ("kink", "norm_root", "the unit ball", 0.0)
    assert ob.in_clarke_set is True
    cert = cert_of(P.norm_hypot)
    (ob,) = cert.obligations
    assert cert.status == "certified"
    assert (ob.kind, ob.primitive, ob.clarke_set, ob.selection) == ("kink", "hypot", "the unit disc", [0.0, 0.0])
    assert ob.in_clarke_set is True and ob.kink_set == "x == y == 0"


def test_loops_stay_open_statically():
    (ob,) = cert_of(P.halving).obligations
    assert (ob.construct, ob.status) == ("while", "open")
    assert "one more iteration" in ob.detail
    (ob,) = cert_of(P.feeds_loop).obligations
    assert ob.status == "open" and "feeds a loop" in ob.detail


def test_kink_sites_name_the_rule_table():
    cert = cert_of(P.hinge_l1)
    mx, ab = by_kind(cert, "kink")
    assert (mx.primitive, mx.operands, mx.location) == ("max", ["m", "0.0"], "certify_cases.py:82:12")
    assert (ab.primitive, ab.operands, ab.kink_set, ab.clarke_set) == ("abs", ["w"], "w == 0", "[-1, 1]")
    assert ab.selection == 0.0 and ab.in_clarke_set and "selects 0" in ab.selection_text
    assert all(o.method == "rule table" for o in (mx, ab))


def test_selections_inside_the_clarke_set():
    for kinks, sel in [("jax", 1.0), ({"abs": 0.5}, 0.5), ({"abs": -1.0}, -1.0)]:
        cert = cert_of(K.k_abs, kinks=kinks)
        (ob,) = cert.obligations
        assert ob.selection == sel and ob.in_clarke_set is True and cert.status == "certified"
    cert = cert_of(K.k_hypot, kinks={"hypot": (0.6, -0.8)})
    assert cert.obligations[0].in_clarke_set and cert.identity["policy"] == "min-norm with hypot=(0.6, -0.8)"


def test_selections_outside_the_clarke_set():
    with pytest.raises(nsadc.PolicyError, match="outside its Clarke set"):
        nsadc.differentiate(K.k_abs, kinks={"abs": 2.0}, target="python")
    # a policy built by hand skips resolution: the certificate still checks it
    cert = cert_of(K.k_abs, kinks=Policy("min-norm", (("abs", 2.0),)))
    (ob,) = cert.obligations
    assert ob.in_clarke_set is False and ob.status == "violated" and cert.status == "rejected"
    assert "outside the Clarke set" in ob.detail


def test_identity():
    d = nsadc.differentiate(P.hinge_l1, kinks="jax", target="python")
    ident = d.certificate().identity
    assert ident["function"] == "hinge_l1" and ident["file"] == str(CASES)
    assert ident["nsadc_version"] == nsadc.__version__ and ident["mode"] == "both"
    assert ident["policy"] == "jax" and ident["wrt"] == ["w", "x", "y", "lam"]
    import hashlib

    assert ident["source_sha256"] == hashlib.sha256(CASES.read_text().encode()).hexdigest()
    assert ident["derivative_sha256"] == hashlib.sha256(d.source("both").encode()).hexdigest()


def test_unsupported_code_is_rejected(tmp_path):
    f = tmp_path / "bad.py"
    f.write_text("def f(x):\n    return [x][0]\n")
    src = parse_file(f)
    with pytest.raises(nsadc.NsadcError) as e:
        compile_function(src, src.function("f"), None, resolve_policy(None))
    cert = static.unsupported(str(f), "f", e.value)
    assert cert.status == "rejected" and cert.unsupported["location"] == "bad.py:2:12"
    validate(cert.to_dict())


# ------------------------------------------------------------------ JSON


def test_schema_ships_with_the_package():
    assert schema_path().name == "schema.json" and schema_path().parent.name == "certificate"
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("fn", [P.jump_branch, P.root_of_sum, P.norm_sqrt, P.hinge_l1, P.halving, K.k_copysign],
                         ids=lambda f: f.__name__)
def test_json_validates(fn):
    cert = cert_of(fn)
    data = json.loads(cert.to_json())
    validate(data)
    assert data["status"] == cert.status and data["schema_version"] == "1.0"
    assert len(data["obligations"]) == len(cert.obligations)


def test_json_with_checks_validates():
    cert = cert_of(P.relu_difference, probe=True, points=8)
    data = json.loads(cert.to_json())
    validate(data)
    assert data["checks"]["curve_identity"]["passed"]


def test_schema_rejects_a_bad_certificate():
    import jsonschema

    data = cert_of(P.hinge_l1).to_dict()
    data["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        validate(data)
    data = cert_of(P.hinge_l1).to_dict()
    data["obligations"][0]["status"] = "probed"  # a kink obligation is proved or violated
    with pytest.raises(jsonschema.ValidationError):
        validate(data)


# ------------------------------------------------------------------ probes


def test_probes_find_the_jump_of_a_while_loop():
    cert = cert_of(P.halving, probe=True, points=16)
    (ob,) = cert.obligations
    assert ob.status == "violated" and ob.witness.found_by == "probe"
    assert ob.witness.jump == pytest.approx(0.5 * ob.witness.values[0], rel=1e-6)
    assert cert.status == "rejected"


def test_probes_promote_open_to_probed():
    cert = cert_of(P.feeds_loop, probe=True, points=16)
    (ob,) = cert.obligations
    assert ob.status == "probed" and ob.probe_crossings > 0
    assert cert.status == "conditional" and cert.checks["passed"]


def test_probes_confirm_a_static_violation():
    cert = cert_of(P.jump_branch, probe=True, points=16)
    (ob,) = cert.obligations
    assert ob.status == "violated" and cert.checks["continuity"]["jumps"] > 0
    # the derivative misses the jump: the curve identity fails too
    assert not cert.checks["curve_identity"]["passed"]


def test_curve_identity_holds_on_the_examples():
    import importlib.util

    spec = importlib.util.spec_from_file_location("hinge_example_cert", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cert = cert_of(mod.hinge_pen, probe=True, points=16)
    curve = cert.checks["curve_identity"]
    assert curve["passed"] and curve["segments"] >= 4 and curve["max_discrepancy"] < 1e-8
    cert = cert_of(mod.soft_threshold_path, probe=True, points=16, ranges={"lam": (0.05, 1.0)})
    curve = cert.checks["curve_identity"]
    assert curve["passed"] and curve["max_discrepancy"] < 1e-8, curve
    # the stated range lam >= 0.05 proves the branch continuous (without it: lam >= 0 is derived)
    assert cert.status == "certified" and cert.claim()["stated"] == ["0.05 <= lam <= 1"]
    assert [o.status for o in by_kind(cert, "continuity")] == ["proved", "proved"]


@pytest.mark.parametrize("fn", [P.huber, P.abs_loop, P.hard_tanh_loop, P.both_positive],
                         ids=lambda f: f.__name__)
def test_curve_identity_holds_on_programs(fn):
    cert = cert_of(fn, probe=True, points=8)
    curve = cert.checks["curve_identity"]
    assert curve["passed"] and curve["max_discrepancy"] < 1e-8, curve


def test_curve_identity_fails_on_a_wrong_derivative_rule(tmp_path, monkeypatch):
    from nsadc.ir.build import c, call, mul
    from nsadc.rules.table import RULES

    def wrong(a, out, act, sel, tmp):  # d/dx sin x = 2 cos x: wrong
        return [], [mul(c(2.0), call("cos", a[0])) if act[0] else None]

    monkeypatch.setitem(RULES, "sin", dataclasses.replace(RULES["sin"], partials=wrong))
    monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path / "cache"))
    f = tmp_path / "wave.py"
    f.write_text("import math\n\n\ndef wave(x, y):\n    return math.sin(x) * y + x * x\n")
    import importlib.util

    spec = importlib.util.spec_from_file_location("wave_wrong_rule", f)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cert = cert_of(mod.wave, probe=True, points=8)
    curve = cert.checks["curve_identity"]
    assert not curve["passed"] and curve["max_discrepancy"] > 1e-2
    assert cert.status == "rejected" and "curve identity fails" in cert.reasons()[0]


def test_curve_identity_quadrature_resolves_kinks():
    from nsadc.certificate.probes import integrate

    # ∫₀¹ sign(t - 1/3) dt = 1/3, with the jump of the integrand off the panel grid
    value, _, evals = integrate(lambda t: 1.0 if t > 1 / 3 else -1.0)
    assert value == pytest.approx(1 / 3, abs=1e-10) and evals < 2000
    value, _, _ = integrate(math.cos)
    assert value == pytest.approx(math.sin(1.0), abs=1e-12)


def test_artificial_critical_point_is_reported():
    cert = cert_of(P.relu_difference, probe=True, points=8)
    points = cert.checks["artificial_critical_points"]
    assert points and points[0]["point"] == {"x": 0.0}
    assert points[0]["gradient"] == [0.0] and points[0]["reference_gradient"] == pytest.approx([1.0])
    assert points[0]["artificial_critical_point"]
    assert cert.status == "certified"  # still a conservative field: reported, not rejected
    # abs at 0: 0 is in the Clarke set [-1, 1], nothing to report
    assert not cert_of(K.k_abs, probe=True, points=8).checks["artificial_critical_points"]


def test_probes_are_reproducible():
    a = cert_of(P.trig_identity_branch, probe=True, points=8, seed=3).to_dict()
    b = cert_of(P.trig_identity_branch, probe=True, points=8, seed=3).to_dict()
    assert a == b


# ------------------------------------------------------------------ CLI


def test_cli_certify_exit_codes():
    r = runner.invoke(app, ["certify", f"{CASES}:hinge_l1"])
    assert r.exit_code == 0, r.output
    assert "certified" in r.output and "abs" in r.output
    r = runner.invoke(app, ["certify", f"{CASES}:root_of_sum"])
    assert r.exit_code == 0 and "conditional" in r.output
    r = runner.invoke(app, ["certify", f"{CASES}:jump_branch"])
    assert r.exit_code == 1 and "rejected" in r.output
    r = runner.invoke(app, ["certify", f"{CASES}:nope"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["certify", f"{CASES}:hinge_l1", "--kinks", "abs=3"])
    assert r.exit_code == 2 and "Clarke set" in r.output


def test_cli_certify_json():
    r = runner.invoke(app, ["certify", f"{CASES}:floor_path", "--json"])
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    validate(data)
    assert data["status"] == "rejected" and data["obligations"][0]["continuity"]["witness"]["jump"] > 0.5


def test_cli_certify_unsupported(tmp_path):
    f = tmp_path / "bad.py"
    f.write_text("def f(x):\n    return [x][0]\n")
    r = runner.invoke(app, ["certify", f"{f}:f", "--json"])
    assert r.exit_code == 2
    data = json.loads(r.stdout)
    validate(data)
    assert data["status"] == "rejected" and data["unsupported"]["location"] == "bad.py:2:12"


def test_cli_certify_does_not_execute_the_file(tmp_path):
    f = tmp_path / "boom.py"
    f.write_text("raise SystemExit('executed!')\n\ndef f(x):\n    return abs(x) * x\n")
    r = runner.invoke(app, ["certify", f"{f}:f"])
    assert r.exit_code == 0 and "certified" in r.output


def test_cli_check(tmp_path):
    out = tmp_path / "cert.json"
    r = runner.invoke(app, ["check", f"{CASES}:feeds_loop", "--points", "8", "--seed", "1",
                            "--target", "python", "--cert", str(out)])
    assert r.exit_code == 0, r.output
    assert "curve identity" in r.output and "probed" in r.output
    data = json.loads(out.read_text())
    validate(data)
    assert data["checks"]["seed"] == 1 and data["checks"]["points"] == 8
    r = runner.invoke(app, ["check", f"{CASES}:halving", "--points", "8", "--target", "python"])
    assert r.exit_code == 1 and "rejected" in r.output


def test_cli_check_options(tmp_path):
    r = runner.invoke(app, ["check", f"{CASES}:hinge_l1", "--shape", "w=3", "--target", "python"])
    assert r.exit_code == 2 and "scalar arguments only" in r.output
    r = runner.invoke(app, ["check", f"{CASES}:hinge_l1", "--shape", "q=3", "--target", "python"])
    assert r.exit_code == 2 and "no argument 'q'" in r.output
    r = runner.invoke(app, ["check", f"{CASES}:hinge_l1", "--range", "lam=1", "--target", "python"])
    assert r.exit_code == 2 and "NAME=LO:HI" in r.output
    r = runner.invoke(app, ["check", f"{EXAMPLE}:soft_threshold_path", "--range", "lam=0.05:1",
                            "--points", "8", "--target", "python", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["checks"]["ranges"] == {"lam": [0.05, 1.0]}


def test_cli_emit_with_certificate(tmp_path):
    out = tmp_path / "hinge_derivatives.py"
    cert = tmp_path / "hinge_cert.json"
    r = runner.invoke(app, ["emit", f"{EXAMPLE}:hinge_pen", "-o", str(out), "--cert", str(cert)])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "# Certificate: certified: 2 kink sites." in text
    assert "# Full certificate: hinge_cert.json" in text
    data = json.loads(cert.read_text())
    validate(data)
    # the hash is that of the module without the two summary lines
    import hashlib

    plain = "\n".join(line for line in text.split("\n")
                      if not line.startswith(("# Certificate:", "# Full certificate:")))
    assert data["identity"]["derivative_sha256"] == hashlib.sha256(plain.encode()).hexdigest()
    compile(text, str(out), "exec")
    r = runner.invoke(app, ["emit", f"{CASES}:jump_branch", "--mode", "reverse", "-o",
                            str(tmp_path / "j.py"), "--cert", str(tmp_path / "j.json")])
    assert r.exit_code == 1 and json.loads((tmp_path / "j.json").read_text())["status"] == "rejected"
    assert json.loads((tmp_path / "j.json").read_text())["identity"]["mode"] == "reverse"


@pytest.mark.slow
def test_check_on_the_cpu_target():
    r = runner.invoke(app, ["check", f"{EXAMPLE}:hinge_pen", "--points", "16"])
    assert r.exit_code == 0, r.output
    d = nsadc.differentiate(P.huber)
    cert = d.certificate(probe=True, points=32)
    assert cert.status == "certified" and cert.checks["curve_identity"]["passed"]


@pytest.mark.slow
def test_many_programs_probe_consistently():
    """Static verdicts agree with the probes: nothing proved is found violated."""
    for fn in CERTIFIED + CONDITIONAL:
        cert = cert_of(fn, probe=True, points=48, seed=7)
        for o in cert.obligations:
            assert "contradicts the static proof" not in o.detail, (fn.__name__, o)
        if fn is not P.halving:
            assert cert.checks["curve_identity"]["passed"], (fn.__name__, cert.checks["curve_identity"])


CLAMPED_STORE = """
import numpy as np

def clamped_store(x):
    p = np.empty(3)
    for i in range(3):
        v = x[i]
        if v < 0.0:
            v = 0.0
        p[i] = v
    return p


def reversed_view(y):
    u = y[::-1]
    theta = 0.0
    for j in range(3):
        if u[j] > 0.0:
            theta = u[j]
    return theta
"""


@pytest.mark.parametrize("name", ["clamped_store", "reversed_view"])
def test_array_primitives_in_a_branch_do_not_crash_the_certificate(tmp_path, name):
    # the boundary sampling evaluated an element store, and the shape of a number, as numbers;
    # what it cannot evaluate is no evidence either way (the obligation stays probed or open)
    from helpers import load_function
    cert = nsadc.differentiate(load_function(tmp_path, CLAMPED_STORE, name), target="python").certificate()
    assert cert.obligations and all(o.status in ("probed", "open") for o in cert.obligations)
