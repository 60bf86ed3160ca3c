"""Fit triage's ranking model on real evidence and write medic/rank_model.json.

For every case of the training set (bench/triage_train/cases.jsonl: public threads, never the evaluation sets)
the evidence goes through the path `medic triage` takes (parsers, checks, triage), and every user-runbook entry
that got a signal becomes a row: its features (medic.rank.features) and whether it is an expected section. A
logistic regression (Newton's method, L2) turns the features into the probability that a candidate is right.
Built-in catalog entries are not rows: the training answers are all runbook sections, so rows of catalog entries
would only teach that the catalog is never right. They are ranked by the same model at run time, and lend their
confidence to their twins (medic.knowledge.twins).

Two knowledge bases are used: the seeds with the public corpus (large, many near answers) and the seeds alone (a
team's few runbooks, where the cases answered by a seed section and the negatives are triaged again): the
weights are fitted on the large one, the thresholds chosen on both, since twin scores and the first match's lead
run differently with the size of the knowledge base.

A third knowledge base, the built-in catalog alone (Medic as installed, before a team indexes its runbooks),
has an answer model of its own (rank.Model.answer_catalog: the answer model with its level chosen there). The
cases are triaged against the catalog; a built-in entry is right when it is the twin of an expected section by
the twins the fitted model takes (cases whose expected sections have no built-in twin are left out there;
negatives stay). The weights and the thresholds are not fitted on it; its cross-validated figures are printed.

k-fold cross-validation (by case) measures the ranking `medic triage` prints, through medic.rank.rank itself.
A Platt scaling fitted on the out-of-fold logits of the first match of each case (right when it is an expected
section; a negative's first match is wrong) makes the printed confidence calibrated: what is printed is the best
of many candidates, whose raw probability runs high. The twin score thresholds and the printing threshold are
chosen on the cross-validated figures (most right answers first, a silent negative counting NEG_COST times). The
model fitted on every case is written with those choices and the cross-validated figures.

    python scripts/fit_ranking.py [--cases FILE] [--db KB.db] [--folds 5] [--out medic/rank_model.json]

--db names the large knowledge base (built or reused); the seeds-only one is KB-seeds.db beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from triage_real import is_hit  # noqa: E402

from medic import rank  # noqa: E402

SHARED = ROOT.parent / "shared"
NEG_COST = 2.0  # a wrong answer printed for evidence no runbook explains costs twice a right answer missed
L2 = 1.0  # ridge strength: a few hundred positives and twenty features; keeps weights finite when a signal separates
TWIN_GRID = (  # (twin_min, twin_sure); 10: only the pairs runbook authors declared
    *((m, s) for m in (0.5, 0.6, 0.7, 0.8) for s in (0.8, 0.9, 1.0, 1.2) if s >= m),
    (10.0, 10.0),
)
THRESHOLDS = tuple(round(float(t), 2) for t in np.arange(0.1, 0.91, 0.05))
SEED = 7
FLOORS = (True, False)  # whether a match a check's finding supports is printed at the bar at least (Model)
KBS = ("corpus", "seeds")  # the knowledge bases the figures add up over: a large one, and a team's few runbooks
CATALOG = "catalog"  # the built-in catalog alone: its own answer model, figures printed, no weight or threshold
SEED_PREFIXES = ("000_", "001_", "002_", "003_", "004_")  # expected docs that are seed runbooks
LEVEL_SHIFTS = tuple(round(float(d), 2) for d in np.arange(-1.0, 2.01, 0.25))  # the catalog's answer level, in logits
ANSWER_L2 = 0.1  # three inputs and a few hundred cases: a light ridge only keeps the weights finite


@dataclass
class Case:
    data: dict[str, Any]
    candidates: list[Any]  # TriageMatch, before ranking
    quiet: bool  # no line of the evidence reports a problem
    store: Any  # the knowledge base it was triaged against
    kb: str  # "corpus" (seeds + public corpus) or "seeds" (a team's few runbooks)
    group: int  # the evidence's index in the training set: both knowledge bases' cases fall in one fold
    answers: frozenset[str] = frozenset()  # in the catalog-only knowledge base: the built-in entries that are right


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, iters: int = 60) -> np.ndarray:
    """Weights (bias last) of an L2-regularised logistic regression, by Newton's method."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0  # the bias is not shrunk
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def label(m: Any, expected: list[dict[str, str]]) -> bool:
    d = m.to_dict()
    return any(is_hit(d, e["doc"], e["section"]) for e in expected)


def is_right(c: Case, m: Any) -> bool:
    """Whether candidate ``m`` answers case ``c``: an expected section, or in the catalog-only knowledge base a
    built-in entry on the same problem."""
    if c.kb == CATALOG:
        return m.entry.id in c.answers
    return label(m, c.data.get("expected") or [])


def catalog_labels(store: Any, mdl: rank.Model, cases: list[Case]) -> list[Case]:
    """The catalog-only cases with their answers: the built-in entries ``rank`` takes for the same problem as an
    expected section (twins in ``store``, the seeds and corpus knowledge base, by ``mdl``'s thresholds). A positive
    whose sections have no built-in twin is left out (whether the catalog explains it is not known)."""
    from medic.triage import TriageMatch

    table, _ = rank.twins(store)
    builtins_of: dict[str, set[str]] = {}
    for b in table:
        for u in rank.twin_targets(store, b, mdl):
            builtins_of.setdefault(u, set()).add(b)
    sections = store.entries(list(builtins_of))
    out = []
    for c in cases:
        expected = c.data.get("expected") or []
        answers = frozenset(
            b
            for u, e in sections.items()
            if label(TriageMatch(entry=e, score=0.0, confidence=0.0), expected)
            for b in builtins_of[u]
        )
        if answers or not expected:
            out.append(dataclasses.replace(c, answers=answers))
    return out


def rows(cases: list[Case]) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of the user-runbook candidates of the cases."""
    x: list[list[float]] = []
    y: list[bool] = []
    for c in cases:
        ctx = rank.Context.of(c.candidates, c.quiet)
        for m in c.candidates:
            if not m.entry.builtin:
                x.append(rank.features(m, ctx))
                y.append(label(m, c.data.get("expected") or []))
    return np.array(x, dtype=float), np.array(y, dtype=float)


def collect(store: Any, cases: list[dict[str, Any]], kb: str) -> list[Case]:
    """Triage every case against ``store``; for the seeds-only knowledge base, only the cases whose answers are
    seed sections and the negatives (the others have no answer there)."""
    from medic.pasted import triage_pasted

    out = []
    for group, data in enumerate(cases):
        expected = data.get("expected") or []
        if kb == "seeds" and expected and not all(e["doc"].startswith(SEED_PREFIXES) for e in expected[:1]):
            continue
        result = triage_pasted(store, io.BytesIO(data["evidence"].encode("utf-8")), top=5, include_weak=True)
        out.append(Case(data, result.triage.candidates, result.triage.quiet, store, kb, group))
    return out


RAW = (1.0, 0.0, 0.0, 0.0)  # an answer model that prints the ranking probability itself


def model_of(
    w: np.ndarray,
    answer: tuple[float, float, float, float],
    threshold: float,
    twin: tuple[float, float],
    floor: bool = True,
) -> rank.Model:
    return rank.Model(
        weights=tuple(float(v) for v in w[:-1]),
        bias=float(w[-1]),
        answer=answer,
        threshold=threshold,
        twin_min=twin[0],
        twin_sure=twin[1],
        finding_floor=floor,
    )


def shown(c: Case, m: rank.Model) -> list[tuple[float, bool, float, bool]]:
    """(confidence, right, lead, found by a check) of the candidates in the order `medic triage` ranks them with
    model ``m``."""
    rank.use(m)
    try:
        ranked = rank.rank(c.store, c.candidates, c.quiet)
    finally:
        rank.use(None)
    top = ranked[: rank.LEAD_OF]
    return [(x.confidence, is_right(c, x), rank.lead(top, i), x.finding_score > 0) for i, x in enumerate(top)]


def printed(order: list[tuple[float, bool, bool]], threshold: float, floor: bool) -> list[tuple[float, bool]]:
    """(confidence, right) of the matches `medic triage` prints at ``threshold``, in its order: as rank.calibrate
    does, with ``floor`` a match a check's finding supports is printed at the bar at least, and the list is sorted
    again (stable)."""
    floored = [(max(conf, threshold) if found and floor else conf, right) for conf, right, found in order]
    floored.sort(key=lambda cr: -cr[0])
    return [(conf, right) for conf, right in floored if conf >= threshold]


def figures(ranked: list[tuple[Case, list[tuple[float, bool, bool]]]], threshold: float, floor: bool) -> dict[str, int]:
    out = {"hit1": 0, "hit3": 0, "pos": 0, "neg_ok": 0, "neg": 0, "cross": 0, "cross_hit1": 0}
    for c, order in ranked:
        shown_rights = [right for _, right in printed(order, threshold, floor)]
        if c.data.get("expected"):
            out["pos"] += 1
            first = bool(shown_rights and shown_rights[0])
            out["hit1"] += first
            out["hit3"] += any(shown_rights[:3])
            if c.data.get("lang_of_evidence") != c.data.get("lang_of_expected"):
                out["cross"] += 1
                out["cross_hit1"] += first
        else:
            out["neg"] += 1
            out["neg_ok"] += not shown_rights
    return out


def objective(f: dict[str, int]) -> float:
    return f["hit1"] + NEG_COST * f["neg_ok"]


def by_kb(
    ranked: list[tuple[Case, list[tuple[float, bool, bool]]]], threshold: float, floor: bool
) -> dict[str, dict[str, int]]:
    return {kb: figures([(c, o) for c, o in ranked if c.kb == kb], threshold, floor) for kb in KBS}


def reliability(
    ranked: list[tuple[Case, list[tuple[float, bool, bool]]]], threshold: float, floor: bool
) -> list[dict[str, Any]]:
    """Of the first match printed per case, by confidence bin: how many, and the share that is right."""
    bins = [(0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]
    firsts = [shown[0] for _, order in ranked if (shown := printed(order, threshold, floor))]
    table = []
    for lo, hi in bins:
        sel = [right for conf, right in firsts if lo <= conf < hi]
        if sel:
            table.append({"from": lo, "to": min(hi, 1.0), "n": len(sel), "right": round(sum(sel) / len(sel), 2)})
    return table


def answered(
    order: list[tuple[float, bool, float, bool]], answer: tuple[float, float, float, float], quiet: bool
) -> list[tuple[float, bool, bool]]:
    """The printed confidences of a ranked top (rank.calibrate's) with their right/wrong labels and whether a
    check's finding supports them (printed at the bar at least)."""
    confs = rank.answer_confidences(answer, [(p, ld) for p, _, ld, _ in order], quiet)
    return [(conf, right, found) for conf, (_, right, _, found) in zip(confs, order, strict=True)]


def shown_path(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default=str(ROOT / "bench" / "triage_train" / "cases.jsonl"))
    ap.add_argument("--db", help="knowledge base to build or reuse")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", help="write the model fitted on every case (medic/rank_model.json)")
    args = ap.parse_args()

    from medic.knowledge.ingest import ensure_builtin, index_paths
    from medic.knowledge.store import Store

    db = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "kb.db"
    stores = {kb: Store(db if kb == "corpus" else db.with_name(f"{db.stem}-{kb}{db.suffix}")) for kb in (*KBS, CATALOG)}
    for kb, store in stores.items():
        ensure_builtin(store)
        if kb != CATALOG:
            index_paths(store, [str(SHARED / "seeds")] + ([str(SHARED / "corpus")] if kb == "corpus" else []))
    raw = [json.loads(line) for line in Path(args.cases).read_text(encoding="utf-8").splitlines() if line.strip()]
    # the candidates do not depend on the model: collected once, with any model in place
    rank.use(model_of(np.zeros(len(rank.FEATURES) + 1), RAW, 1.0, (10.0, 10.0)))
    try:
        cases = [c for kb in KBS for c in collect(stores[kb], raw, kb)]
        catalog_cases = collect(stores[CATALOG], raw, CATALOG)
    finally:
        rank.use(None)
    order = np.random.default_rng(SEED).permutation(len(raw))
    fold_of = {int(g): i % args.folds for i, g in enumerate(order)}
    folds = [[i for i, c in enumerate(cases) if fold_of[c.group] == k] for k in range(args.folds)]
    fold_w: list[np.ndarray] = []
    for k in range(args.folds):
        held = set(folds[k])
        x, y = rows([c for i, c in enumerate(cases) if i not in held and c.kb == "corpus"])
        fold_w.append(fit_logistic(x, y))
    best: tuple[tuple[float, ...], float, tuple[float, float], bool] | None = None
    grid: dict[tuple[tuple[float, float], float, bool], dict[str, dict[str, int]]] = {}
    cv_ranked: dict[tuple[float, float], list[tuple[Case, list[tuple[float, bool, bool]]]]] = {}
    answers: dict[tuple[float, float], tuple[float, float, float, float]] = {}
    for twin in TWIN_GRID:
        raw_ranked = []
        for k in range(args.folds):
            m = model_of(fold_w[k], RAW, 0.0, twin)
            raw_ranked += [(cases[i], shown(cases[i], m)) for i in folds[k]]
        # the answer model on the first match of each case: right or wrong, from its logit, lead and the quiet flag
        xs = [[rank.logit(o[0][0]), o[0][2], float(c.quiet)] for c, o in raw_ranked if o]
        ys = [float(o[0][1]) for _, o in raw_ranked if o]
        aw = fit_logistic(np.array(xs), np.array(ys), l2=ANSWER_L2)
        answers[twin] = (float(aw[0]), float(aw[1]), float(aw[2]), float(aw[3]))
        ranked = [(c, answered(order, answers[twin], c.quiet)) for c, order in raw_ranked]
        cv_ranked[twin] = ranked
        for t in THRESHOLDS:
            for floor in FLOORS:
                f = by_kb(ranked, t, floor)
                grid[(twin, t, floor)] = f
                # the sum over both knowledge bases; ties: the higher threshold, the floor, the looser twins
                key = (sum(objective(v) for v in f.values()), t, float(floor), -twin[1], -twin[0])
                if best is None or key > best[0]:
                    best = (key, t, twin, floor)
    assert best is not None
    _, threshold, twin_pair, floor_on = best
    cv = grid[(twin_pair, threshold, floor_on)]["corpus"]
    cv_seeds = grid[(twin_pair, threshold, floor_on)]["seeds"]
    answer = answers[twin_pair]
    # the catalog alone: labels from the chosen twins, the answer model fitted on its cross-validated first matches
    twins_only = model_of(np.zeros(len(rank.FEATURES) + 1), RAW, 0.0, twin_pair)  # catalog_labels reads its twins
    catalog_cases = catalog_labels(stores["corpus"], twins_only, catalog_cases)
    catalog_raw = []
    for k in range(args.folds):
        m = model_of(fold_w[k], RAW, 0.0, twin_pair)
        catalog_raw += [(c, shown(c, m)) for c in catalog_cases if fold_of[c.group] == k]
    # only the level is chosen there, as the threshold is (most right answers first, a silent negative counting
    # NEG_COST times; ties: the smaller change), the other inputs weighing as in the answer model above: a hundred
    # cases, few of them quiet or with a lone candidate, do not say how those inputs weigh of their own
    a, lw, q, b = answer

    levels = {d: [(c, answered(o, (a, lw, q, b + d), c.quiet)) for c, o in catalog_raw] for d in LEVEL_SHIFTS}
    by_level = {d: figures(ranked, threshold, floor_on) for d, ranked in levels.items()}
    shift = max(LEVEL_SHIFTS, key=lambda d: (objective(by_level[d]), -abs(d)))
    answer_catalog = (a, lw, q, b + shift)
    catalog_ranked, cv_catalog, before = levels[shift], by_level[shift], by_level[0.0]
    x, y = rows([c for c in cases if c.kb == "corpus"])
    print(f"cases {len(cases)}; user-runbook rows {len(y)}, right {int(sum(y))}")
    print("answer model (logit, lead, quiet, bias): " + ", ".join(f"{v:.3f}" for v in answer))
    for tw in TWIN_GRID:
        for kb in KBS:
            line = " ".join(
                f"{t:.2f}:{grid[(tw, t, floor_on)][kb]['hit1']}/{grid[(tw, t, floor_on)][kb]['neg_ok']}"
                for t in THRESHOLDS
                if t <= 0.7
            )
            print(f"  twins {tw[0]:4.1f}/{tw[1]:4.1f} {kb:6}  threshold:hit@1/neg  {line}")
    other = grid[(twin_pair, threshold, not floor_on)]
    print(
        f"finding floor {'on' if floor_on else 'off'}; "
        + ("off" if floor_on else "on")
        + " at the same threshold: "
        + ", ".join(f"{kb} hit@1 {other[kb]['hit1']} neg {other[kb]['neg_ok']}" for kb in KBS)
    )
    print(
        f"chosen twins {twin_pair} threshold {threshold} finding floor {floor_on}: "
        f"{args.folds}-fold cross-validated hit@1 "
        f"{cv['hit1']}/{cv['pos']} hit@3 {cv['hit3']}/{cv['pos']} neg {cv['neg_ok']}/{cv['neg']} "
        f"cross-lingual hit@1 {cv['cross_hit1']}/{cv['cross']}; seeds-only knowledge base: hit@1 "
        f"{cv_seeds['hit1']}/{cv_seeds['pos']} hit@3 {cv_seeds['hit3']}/{cv_seeds['pos']} "
        f"neg {cv_seeds['neg_ok']}/{cv_seeds['neg']}"
    )
    table = reliability([(c, o) for c, o in cv_ranked[twin_pair] if c.kb == "corpus"], threshold, floor_on)
    print("reliability (cross-validated, first match printed): confidence bin, n, share right")
    for r in table:
        print(f"  [{r['from']:.1f}, {r['to']:.1f})  {r['n']:4d}  {r['right']:.2f}")
    print(
        "catalog alone: answer model (logit, lead, quiet, bias) "
        + ", ".join(f"{v:.3f}" for v in answer_catalog)
        + f"; cross-validated hit@1 {cv_catalog['hit1']}/{cv_catalog['pos']} hit@3 {cv_catalog['hit3']}/"
        f"{cv_catalog['pos']} neg {cv_catalog['neg_ok']}/{cv_catalog['neg']} (with the answer model above: hit@1 "
        f"{before['hit1']} hit@3 {before['hit3']} neg {before['neg_ok']}; level {shift:+.2f})"
    )
    table_catalog = reliability(catalog_ranked, threshold, floor_on)
    for r in table_catalog:
        print(f"  [{r['from']:.1f}, {r['to']:.1f})  {r['n']:4d}  {r['right']:.2f}")
    final = model_of(fit_logistic(x, y), answer, threshold, twin_pair, floor_on)
    final = dataclasses.replace(final, answer_catalog=answer_catalog)
    print("weights: " + ", ".join(f"{n}={v:.2f}" for n, v in zip(rank.FEATURES, final.weights, strict=True)))
    if args.out:
        fitted = {
            "by": "scripts/fit_ranking.py",
            "cases": shown_path(Path(args.cases)),
            "n_cases": len(raw),
            "folds": args.folds,
            "seed": SEED,
            "l2": L2,
            "neg_cost": NEG_COST,
            "cross_validated": cv,
            "cross_validated_seeds_only": cv_seeds,
            "reliability": table,
            "cross_validated_catalog_only": cv_catalog,
            "reliability_catalog_only": table_catalog,
        }
        final = dataclasses.replace(final, fitted=fitted)
        Path(args.out).write_text(json.dumps(final.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
