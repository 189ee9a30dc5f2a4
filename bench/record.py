"""A bench script's result as one JSON file, `bench/results/<script>.json`, read by the Benchmarks appendix.

    parser = argparse.ArgumentParser(); add_flags(parser, repeats=3)    # --write, --repeats N, --results DIR
    t, ref = repeat(lambda: work(), 3), repeat(lambda: baseline(), 3)   # seconds of each run
    rows = [row("our trainer, vocab 500", "s", t, "naive trainer", ref)]
    if args.write: write(result("bpe_speed", rows), args.results)

A row holds the median of its repeated runs and, when there is one, the median of the reference measured in
the same run and the ratio median / reference median. The file also records the machine (cores, load average:
the reference machine is shared) and the versions, so a number on the page always says where it comes from.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import statistics
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
KEYS = ("script", "command", "date", "cores", "load_avg", "python", "torch", "rows")
ROW_KEYS = ("what", "unit", "repeats", "median", "reference", "reference_median", "ratio")
NUMBERS = ("median", "reference_median", "ratio")  # None when there is none (no solved seed, no reference)


def add_flags(parser, repeats: int = 3, write: bool = True) -> None:
    """The flags every bench script shares (`write=False` when the script defines its own --write)."""
    if write:
        parser.add_argument("--write", action="store_true", help="write bench/results/<script>.json")
    parser.add_argument("--repeats", type=int, default=repeats, help="runs per measurement; the median is kept")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder of the JSON results")


def repeat(fn, repeats: int) -> list[float]:
    """Wall-clock seconds of `repeats` calls of `fn()`.

    >>> len(repeat(lambda: None, 3))
    3
    """
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def row(what: str, unit: str, values: list[float], reference: str | None = None,
        reference_values: list[float] | None = None) -> dict:
    """One measurement: the median of `values` and, if given, of the reference's values and their ratio.

    >>> row("ours", "s", [1.0, 3.0, 2.0], "naive", [8.0, 6.0, 4.0])["ratio"]
    0.3333
    >>> row("solved", "s", [])["median"] is None
    True
    """
    median = statistics.median(values) if values else None
    ref = statistics.median(reference_values) if reference_values else None
    ratio = round(median / ref, 4) if median is not None and ref else None
    return {"what": what, "unit": unit, "repeats": len(values), "median": median, "reference": reference,
            "reference_median": ref, "ratio": ratio}


def result(script: str, rows: list[dict], argv: list[str] | None = None) -> dict:
    """The whole record of one run of `script`: the command, the machine, the versions and the rows.

    >>> r = result("demo", [row("x", "s", [1.0])], ["bench/demo.py", "--write"])
    >>> problems(r), r["command"], r["cores"] == os.cpu_count()
    ([], 'python bench/demo.py --write', True)
    """
    try:
        torch = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch = None
    argv = sys.argv if argv is None else argv
    return {"script": script, "command": shlex.join(["python", *argv]),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cores": os.cpu_count(),
            "load_avg": [round(x, 2) for x in os.getloadavg()], "python": platform.python_version(),
            "torch": torch, "rows": rows}


def problems(record: dict) -> list[str]:
    """What is wrong with a record's schema (empty when it is fine).

    >>> problems({"script": "x"})[0]
    'missing keys: command, date, cores, load_avg, python, torch, rows'
    """
    missing = [k for k in KEYS if k not in record]
    if missing:
        return [f"missing keys: {', '.join(missing)}"]
    found = [] if record["rows"] else ["no rows"]
    found += [f"row {k}: keys {sorted(r)}" for k, r in enumerate(record["rows"]) if set(r) != set(ROW_KEYS)]
    found += [f"row {k}: {key} is not a number" for k, r in enumerate(record["rows"]) for key in NUMBERS
              if not isinstance(r.get(key, 0), (int, float, type(None))) or not isinstance(r.get("repeats"), int)]
    if not isinstance(record["cores"], int) or len(record["load_avg"]) != 3:
        found.append("cores must be an integer and load_avg three numbers")
    return found


def write(record: dict, folder: Path = RESULTS) -> Path:
    """Write `record` as `<folder>/<script>.json`; return the path."""
    assert not problems(record), problems(record)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record['script']}.json"
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return path
