"""Accuracy of the Reprisals Report importer on the synthetic labelled corpus.

    .venv/bin/python benchmarks/sgreport_accuracy.py [--markdown]

Builds a throw-away SQLite database in a temporary data directory, opens the invented existing
entries of benchmarks/corpus/sgreports/existing_entries.json, runs the importer's dry run on each
report and compares with its label file. Prints precision and recall per field.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus" / "sgreports"


def setup() -> None:
    data_dir = tempfile.mkdtemp(prefix="amparo-sgbench-")
    os.environ["AMPARO_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amparo.config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


class Score:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, got: set, want: set) -> None:
        self.tp += len(got & want)
        self.fp += len(got - want)
        self.fn += len(want - got)

    def figures(self) -> tuple[float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return p, r


def run() -> dict[str, Score]:
    from amparo.cases import services as cases
    from amparo.core.sgreport import fold, split_paragraphs
    from amparo.sgreports.models import Report
    from amparo.sgreports.services import dry_run

    refs = {}
    for key, spec in json.loads((CORPUS / "existing_entries.json").read_text()).items():
        entry = cases.open_entry(
            None,
            {"kind": "named", "title": key, "country": spec["country"], "year": 2020},
            audit=False,
        )
        kind = (
            "organisation"
            if any(w in spec["name"] for w in ("Observatory", "Centre"))
            else "individual"
        )
        cases.add_subject(None, entry, {"kind": kind, "name": spec["name"]})
        if spec["citation"]:
            cases.add_citation(None, entry, spec["citation"])
        refs[entry.ref] = key
    scores = {
        name: Score()
        for name in (
            "paragraphs",
            "country",
            "citation",
            "names",
            "kind",
            "reprisal_types",
            "bodies",
            "links",
        )
    }
    for labels_file in sorted(CORPUS.glob("*.labels.json")):
        labels = json.loads(labels_file.read_text(encoding="utf-8"))
        text = (CORPUS / labels_file.name.replace(".labels.json", ".txt")).read_text(
            encoding="utf-8"
        )
        symbol = labels["symbol"]
        Report.objects.get_or_create(
            symbol=symbol, defaults={"year": 2030, "layout_era": labels["era"]}
        )
        got_paras = {(p.annex, p.number) for p in split_paragraphs(text)[0]}
        scores["paragraphs"].add(
            got_paras, {(p["annex"], p["paragraph"]) for p in labels["paragraphs"]}
        )
        got = {(c["annex"], c["paragraph"]): c for c in dry_run(symbol, text)["candidates"]}
        want = {(p["annex"], p["paragraph"]): p for p in labels["paragraphs"] if p["country"]}
        scores["citation"].add(set(got), set(want))
        for key in set(got) | set(want):
            g, w = got.get(key, {}), want.get(key, {})
            scores["country"].add({g.get("country")} - {None}, {w.get("country")} - {None})
            scores["kind"].add({g.get("kind")} - {None}, {w.get("kind")} - {None})
            scores["names"].add(
                {fold(n) for n in g.get("names", [])}, {fold(n) for n in w.get("names", [])}
            )
            for field in ("reprisal_types", "bodies"):
                scores[field].add(set(g.get(field, [])), set(w.get(field, [])))
            scores["citation"].add(set(g.get("citations", [])), set(w.get("citations", [])))
            scores["links"].add({refs.get(g.get("match"))} - {None}, {w.get("match")} - {None})
    return scores


def main() -> None:
    setup()
    scores = run()
    markdown = "--markdown" in sys.argv
    if markdown:
        print(
            "| field | precision | recall | true pos. | false pos. | missed |\n|---|---|---|---|---|---|"
        )
    for name, score in scores.items():
        p, r = score.figures()
        if markdown:
            print(f"| {name} | {p:.1%} | {r:.1%} | {score.tp} | {score.fp} | {score.fn} |")
        else:
            print(
                f"{name:15} precision {p:6.1%}  recall {r:6.1%}  (tp {score.tp}, fp {score.fp}, fn {score.fn})"
            )


if __name__ == "__main__":
    main()
