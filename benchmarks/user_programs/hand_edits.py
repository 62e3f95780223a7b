"""Hand-edit experiments on nsadc's emitted reverse code for the corpus's
slowest rows (docs/performance.md, "Where the worst rows lose").

    python -m benchmarks.user_programs.hand_edits [NAME ...]

Each experiment takes ``d.source("reverse", *args)``, edits a copy (text
substitutions, or a rewritten function), compiles it with ``numba.njit`` and
times it beside nsadc's kernel, the primal and the hand-written gradient in
one process; every edited copy must return the hand-written gradient. The
substitutions match the code nsadc emits at the commit they were written
for: where a later nsadc emits other text, they fail with the text they
looked for, and the experiment needs updating (the measured figures are in
docs/performance.md)."""

import sys
import types

import numba
import numpy as np

import nsadc
from benchmarks.user_programs import CASES
from benchmarks.timing import interleaved_stats

EXPERIMENTS = {}


def load(src, fname):
    mod = types.ModuleType("v")
    exec(compile(src, f"<{fname}>", "exec"), mod.__dict__)
    for k, v in list(mod.__dict__.items()):
        if isinstance(v, types.FunctionType):
            mod.__dict__[k] = numba.njit(v)
    return mod.__dict__[fname]


def run(name, size, variants, repeat=10):
    """variants: label -> function(src) -> edited src (of the vjp module)."""
    c = CASES[name]
    args = c.args(size)
    d = nsadc.differentiate(c.fn, wrt=list(c.wrt))
    src = d.source("reverse", *args)
    kern = d.compiled(*args).grad
    want = c.hand(*args)
    calls = {"primal": (numba.njit(c.fn), args), "hand": (c.hand, args), "nsadc kernel grad": (kern, (*args, 1.0))}
    for label, edit in variants.items():
        try:
            s2 = edit(src)
        except StaleEdit as e:  # the emitted code changed since: the edit's rule is implemented, or moved
            print(f"  {label}: skipped, the emitted code no longer has {e.args[0]!r}")
            continue
        f = load(s2, name + "_vjp")
        v, g = f(*args, 1.0)
        for a, b in zip(g, want):
            assert np.allclose(a, b, rtol=1e-9, atol=1e-9), (label, np.abs(np.asarray(a) - b).max())
        calls[label] = (f, (*args, 1.0))
    t = interleaved_stats(calls, repeat)
    h = t["hand"][0]
    print(f"### {name} (size {size}, best of {repeat})")
    for k, (lo, med) in t.items():
        print(f"  {k:45s} {lo * 1e3:9.3f} ms (median {med * 1e3:9.3f})  /hand {lo / h:7.2f}")
    return src


class StaleEdit(Exception):
    """A hand edit written against emitted code that has changed since."""


def sub(*pairs):
    def edit(src):
        for old, new in pairs:
            if old not in src:
                raise StaleEdit(old)
            src = src.replace(old, new)
        return src
    return edit


# ---------------------------------------------------------------- barrier_call

BARRIER_SIZED = sub(("tape = np.empty(64)", "tape = np.empty(Z.shape[1])"),
         ("itape = np.empty(64, np.int64)", "itape = np.empty(Z.shape[1] + 1, np.int64)"),
         ("            tape = _reserve(tape, n_tape + 1)\n", ""),
         ("            itape = _reserve(itape, n_itape + 1)\n", ""),
         ("        itape = _reserve(itape, n_itape + 1)\n", ""),
         ("    itape = _reserve(itape, n_itape + 1)\n", ""))

BARRIER_FUSED_SKIP = '''
import math
import numpy as np

def barrier_call_vjp(Z, S0, sigma, r, K, B, T, result_bar):
    tape = np.empty(Z.shape[1])
    paths = Z.shape[0]
    steps = Z.shape[1]
    dt = T / steps
    prod = 0.5 * sigma
    drift = (r - prod * sigma) * dt
    sqrt_dt = math.sqrt(dt)
    vol = sigma * sqrt_dt
    exp_neg_r_T = math.exp(-r * T)
    prod_2_bar = 1.0 / paths * result_bar
    total_bar = exp_neg_r_T * prod_2_bar
    total = 0.0
    K_bar = 0.0
    S0_bar = 0.0
    drift_bar = 0.0
    vol_bar = 0.0
    for p in range(paths):
        S = S0
        alive = True
        broke_2 = False
        k = 0
        n_iter = 0
        while k < steps and not broke_2:
            tape[n_iter] = S
            Z_p_k = Z[p, k]
            S *= math.exp(drift + vol * Z_p_k)
            if S < B:
                alive = False
                broke_2 = True
            k += 1
            n_iter += 1
        S_bar = 0.0
        if alive:
            S_minus_K = S - K
            total += max(S_minus_K, 0.0)
            S_bar = (1.0 if S_minus_K > 0.0 else 0.0) * total_bar
            K_bar -= S_bar
        if S_bar != 0.0:  # the path's reverse only where its adjoint is not zero
            for kk in range(n_iter - 1, -1, -1):
                S = tape[kk]
                Z_p_k = Z[p, kk]
                exp_total_2 = math.exp(drift + vol * Z_p_k)
                total_2_bar = exp_total_2 * (S * S_bar)
                S_bar = exp_total_2 * S_bar
                drift_bar += total_2_bar
                vol_bar += Z_p_k * total_2_bar
            S0_bar += S_bar
    result = exp_neg_r_T * total / paths
    r_bar = -(T * (exp_neg_r_T * (total * prod_2_bar)))
    sigma_bar = sqrt_dt * vol_bar
    diff_bar = dt * drift_bar
    r_bar += diff_bar
    prod_sigma_bar = -diff_bar
    sigma_bar += prod * prod_sigma_bar
    sigma_bar += 0.5 * (sigma * prod_sigma_bar)
    return result, (S0_bar, sigma_bar, r_bar, K_bar)
'''

BARRIER_FUSED = BARRIER_FUSED_SKIP.replace("if S_bar != 0.0:  # the path's reverse only where its adjoint is not zero", "if True:")

def BARRIER_INLINE(src):
    out = []
    for line in src.splitlines():
        st = line.strip()
        if st.startswith(("tape = _reserve(", "itape = _reserve(")) and st.endswith("+ 1)"):
            ind = line[: len(line) - len(line.lstrip())]
            name = st.split(" = ")[0]
            cnt = "n_" + name
            out.append(f"{ind}if {cnt} + 1 > {name}.shape[0]:")
            out.append("    " + line)
        else:
            out.append(line)
    return "\n".join(out) + "\n"
EXPERIMENTS["barrier_call"] = lambda: run("barrier_call", 10_000, {"E0 emitted vjp": lambda s: s, "E1a capacity check inline, _reserve only when full": BARRIER_INLINE,
    "E1 tapes sized at entry (no _reserve per push)": BARRIER_SIZED,
    "E2 fused per path (reverse right after)": lambda s: BARRIER_FUSED,
    "E3 fused + skip reverse when adjoint is 0": lambda s: BARRIER_FUSED_SKIP})


# ------------------------------------------------------------------------- dtw

DTW_NO_CHECKPOINT = sub(("""    array_tape = _reserve(array_tape, n_array_tape + (n_plus_1_3 - 1) * (D.size))
    for i in range(1, n_plus_1_3):
        # D: read, then overwritten, in each iteration: kept whole
        for i0_2 in range(D.shape[0]):
            for i1_2 in range(D.shape[1]):
                array_tape[n_array_tape] = D[i0_2, i1_2]
                n_array_tape += 1
""", """    for i in range(1, n_plus_1_3):
"""), ("""        n_array_tape -= D.size
        D_at = n_array_tape
        for i0 in range(D.shape[0]):
            for i1 in range(D.shape[1]):
                D[i0, i1] = array_tape[D_at]
                D_at += 1
""", ""))

DTW_BODY = '''
import math
import numpy as np

def dtw_vjp(x, y, out_bar):
    n = x.shape[0]
    m = y.shape[0]
    D = np.empty((n + 1, m + 1))
    D_bar = np.zeros_like(D)
    for j in range(m + 1):
        D[0, j] = math.inf
    for i in range(1, n + 1):
        D[i, 0] = math.inf
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            D[i, j] = abs(x[i - 1] - y[j - 1]) + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    out = D[n, m]
    x_bar = np.zeros_like(x)
    y_bar = np.zeros_like(y)
    D_bar[n, m] += out_bar
    for i in range(n, 0, -1):
        for j in range(m, 0, -1):
            total_bar = D_bar[i, j]
            SKIP
            diff = x[i - 1] - y[j - 1]
            u = D[i - 1, j]
            l = D[i, j - 1]
            dg = D[i - 1, j - 1]
            min_2 = min(u, l, dg)
            tied = (1.0 if u == min_2 else 0.0) + (1.0 if l == min_2 else 0.0) + (1.0 if dg == min_2 else 0.0)
            share = 1.0 / tied
            D_bar[i - 1, j - 1] += (share if dg == min_2 else 0.0) * total_bar
            D_bar[i, j - 1] += (share if l == min_2 else 0.0) * total_bar
            D_bar[i - 1, j] += (share if u == min_2 else 0.0) * total_bar
            diff_bar = (math.copysign(1.0, diff) if diff != 0.0 else 0.0) * total_bar
            y_bar[j - 1] -= diff_bar
            x_bar[i - 1] += diff_bar
    return out, (x_bar, y_bar)
'''
DTW_WRITTEN_ONCE = DTW_BODY.replace("SKIP", "pass")
DTW_SKIP_ZERO = DTW_BODY.replace("SKIP", "if total_bar == 0.0:\n                continue")
DTW_SIZE = 400
EXPERIMENTS["dtw"] = lambda: run("dtw", DTW_SIZE, {"E0 emitted vjp": lambda s: s, "E1 no whole-D checkpoint per row": DTW_NO_CHECKPOINT,
    "E2 + no re-run of the row (written once)": lambda s: DTW_WRITTEN_ONCE,
    "E3 + skip cells whose adjoint is 0": lambda s: DTW_SKIP_ZERO}, repeat=5)


# ------------------------------------------------------ newton_roots, active_faces

NEWTON_INLINE = sub(("            tape = _reserve(tape, n_tape + 1)\n",
              "            if n_tape + 1 > tape.shape[0]:\n                tape = _reserve(tape, n_tape + 1)\n"))
NEWTON_NO_FORWARD = lambda s: NEWTON_INLINE(s).replace("""    for i in range(n):
        b_i = b[i]""", """    for i in range(0):
        b_i = b[i]""", 1)
EXPERIMENTS["newton_roots"] = lambda: run("newton_roots", 200_000, {"E0 emitted vjp": lambda s: s,
        "E1 capacity check inline, _reserve only when full": NEWTON_INLINE,
        "E2 + no forward sweep (value unused)": NEWTON_NO_FORWARD})

AF_ARGMAX = '''
import math
import numpy as np

def active_faces_vjp(x, out_3_bar):
    n = x.shape[0]
    s = 0.0
    m = 0.0
    a = -1
    for i in range(n):
        s += x[i]
        v = math.log(abs(x[i]) + 1.0)
        a = i if v > m else a
        m = max(m, v)
    neg_s = -s
    abs_neg_s_plus_1 = abs(neg_s) + 1.0
    l2 = math.log(abs_neg_s_plus_1)
    out_3 = max(l2, m)
    dmax_out_3 = 1.0 if l2 > m else 0.0
    dmax_out_3 = dmax_out_3 if l2 != m else 0.5
    m_bar = (1.0 - dmax_out_3) * out_3_bar
    sign_abs_neg_s = math.copysign(1.0, neg_s) if neg_s != 0.0 else 0.0
    s_bar = -(sign_abs_neg_s * (1.0 / abs_neg_s_plus_1 * (dmax_out_3 * out_3_bar)))
    x_bar = np.empty(n)
    for i in range(n):
        x_bar[i] = s_bar
    if a >= 0:
        x_bar[a] += math.copysign(1.0, x[a]) / (abs(x[a]) + 1.0) * m_bar
    return out_3, (x_bar,)
'''
AF_ONCE = sub(("    x_bar = np.zeros_like(x)\n", "    x_bar = np.empty_like(x)\n"),
           ("        x_bar[i] += sign_abs_x_i_2 * (1.0 / abs_x_i_2_plus_1 * _log_abs1_out_bar)\n        x_bar[i] += s_bar\n",
            "        x_bar[i] = sign_abs_x_i_2 * (1.0 / abs_x_i_2_plus_1 * _log_abs1_out_bar) + s_bar\n"))
EXPERIMENTS["active_faces"] = lambda: run("active_faces", 1_000_000, {"E0 emitted vjp": lambda s: s,
        "E1 x_bar written once (empty, no zero fill)": AF_ONCE,
        "E2 carried max by its argmax (no tape, no log in reverse)": lambda s: AF_ARGMAX})


# -------------------------------------------------------- chained_cb3, tv_denoise
CB3_POW = sub(("4 * a ** 3.0 * total_bar", "4.0 * (a * a * a) * total_bar"))
def CB3_NOTIE(s):
    s = CB3_POW(s)
    old = s[s.index("        tied_max_2 = "):s.index("        b_minus_a_bar")]
    new = """        w1 = total == max_2
        w2 = t_sq_plus_t_2_sq == max_2
        w3 = t_3 == max_2
        tied = w1 + w2 + w3
        share_max_2 = 1.0 if tied == 1 else 1.0 / tied
        total_bar = (share_max_2 if w1 else 0.0) * max_2_bar
        t_sq_plus_t_2_sq_bar = (share_max_2 if w2 else 0.0) * max_2_bar
        t_3_bar = (share_max_2 if w3 else 0.0) * max_2_bar
"""
    return s.replace(old, new)
EXPERIMENTS["chained_cb3"] = lambda: run("chained_cb3", 500_000, {"E0 emitted vjp": lambda s: s, "E1 a ** 3.0 -> a * a * a (no pow call)": CB3_POW,
        "E2 + tie share without a division when untied": CB3_NOTIE})
TV_UP = sub(("        for j in range(w - 1, -1, -1):", "        for j in range(w):"))
def TV_NO_FORWARD(s):
    s = TV_UP(s)
    a = s.index("        for j in range(w):\n            u_i_j = u[i, j]\n            f_i_j = f[i, j]\n            d = u_i_j - f_i_j\n            prod = 0.5 * d\n            e += prod * d")
    b = s.index("        for j in range(w):", a + 10)
    return s[:a] + s[b:]
TV_PEEL = '''
import math
import numpy as np

def tv_denoise_vjp(u, f, lam, e_bar):
    h = u.shape[0]
    w = u.shape[1]
    de_du = np.zeros_like(u)
    for i in range(h):
        if i + 1 < h:
            for j in range(w - 1):
                d = u[i, j] - f[i, j]
                diff_2 = u[i, j + 1] - u[i, j]
                diff_2_bar = (math.copysign(1.0, diff_2) if diff_2 != 0.0 else 0.0) * lam
                diff = u[i + 1, j] - u[i, j]
                diff_bar = (math.copysign(1.0, diff) if diff != 0.0 else 0.0) * lam
                de_du[i, j] += d - diff_2_bar - diff_bar
                de_du[i, j + 1] += diff_2_bar
                de_du[i + 1, j] += diff_bar
            j = w - 1
            d = u[i, j] - f[i, j]
            diff = u[i + 1, j] - u[i, j]
            diff_bar = (math.copysign(1.0, diff) if diff != 0.0 else 0.0) * lam
            de_du[i, j] += d - diff_bar
            de_du[i + 1, j] += diff_bar
        else:
            for j in range(w - 1):
                d = u[i, j] - f[i, j]
                diff_2 = u[i, j + 1] - u[i, j]
                diff_2_bar = (math.copysign(1.0, diff_2) if diff_2 != 0.0 else 0.0) * lam
                de_du[i, j] += d - diff_2_bar
                de_du[i, j + 1] += diff_2_bar
            de_du[i, w - 1] += u[i, w - 1] - f[i, w - 1]
    return 0.0, (de_du,)
'''
EXPERIMENTS["tv_denoise"] = lambda: run("tv_denoise", 1200, {"E0 emitted vjp": lambda s: s, "E1 reverse loop over j counts up": TV_UP,
        "E2 + no forward j loop (it only feeds the value)": TV_NO_FORWARD,
        "E3 + bound tests peeled out of the j loop": lambda s: TV_PEEL})


# ----------------------------------------------------------------- argmax_pool
ARGMAX_IFCONV = sub(("""        for t in range(st_plus_1, st_plus_k):
            if key[t] > key[a]:
                a = t
""", """        best = key[st]
        for t in range(st_plus_1, st_plus_k):
            kt = key[t]
            a = t if kt > best else a
            best = max(best, kt)
"""))
EXPERIMENTS["argmax_pool"] = lambda: run("argmax_pool", 1_000_000, {"E0 emitted vjp": lambda s: s, "E1 the search if-converted (best kept in a scalar)": ARGMAX_IFCONV})


def main(argv=None):
    names = (sys.argv[1:] if argv is None else argv) or list(EXPERIMENTS)
    for name in names:
        EXPERIMENTS[name]()


if __name__ == "__main__":
    main()
