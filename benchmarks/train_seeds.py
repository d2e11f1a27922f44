"""Benchmark `cnnkit train`: test accuracy and wall time for several seeds and recipes.

Runs the real command line in a subprocess per run, so the wall time includes
everything a user waits for (TensorFlow start-up, data loading, training,
evaluation, pictures). Usage:

    CNNKIT_DATA=path/to/mnist python -m benchmarks.train_seeds [--seeds 0 1 2] [--recipes default reference]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--recipes", nargs="+", default=["default", "reference"])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", type=Path, help="train into this folder (RECIPE-SEED/) and keep the runs")
    args = parser.parse_args()
    cnnkit = Path(sys.executable).with_name("cnnkit")
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for recipe in args.recipes:
            for seed in args.seeds:
                out = (args.keep or Path(scratch)) / f"{recipe}-{seed}"
                started = time.perf_counter()
                subprocess.run(
                    [str(cnnkit), "train", "--recipe", recipe, "--seed", str(seed), "--out", str(out)],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                wall = time.perf_counter() - started
                metrics = json.loads((out / "metrics.json").read_text())
                row = {
                    "recipe": recipe,
                    "seed": seed,
                    "test_accuracy": metrics["test_accuracy"],
                    "wall_seconds": round(wall, 1),
                    "train_seconds": metrics["train_seconds"],
                }
                results.append(row)
                print(json.dumps(row), flush=True)
    for recipe in args.recipes:
        rows = [r for r in results if r["recipe"] == recipe]
        accuracies = [r["test_accuracy"] for r in rows]
        print(
            f"{recipe}: accuracy min {min(accuracies):.2%} median {statistics.median(accuracies):.2%}; "
            f"wall max {max(r['wall_seconds'] for r in rows):.0f} s"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
