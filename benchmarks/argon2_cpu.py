"""CPU and wall time of one Argon2id hash: libsodium (Amparo, ADR 0023) beside argon2-cffi (Django's).

Never part of the test suite. Same password, same cost (AMPARO_ARGON2_* defaults: 100 MiB,
2 passes), median of ``--rounds`` verifications each:

    .venv/bin/python benchmarks/argon2_cpu.py --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import argon2
import nacl.pwhash.argon2id as sodium

PASSWORD = "a benchmark passphrase, not a real one"  # noqa: S105


def measure(verify, rounds: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    cpu, wall = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        assert verify()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--memory-kib", type=int, default=102400)
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args()
    m, t = args.memory_kib, args.passes
    cffi8 = argon2.PasswordHasher(time_cost=t, memory_cost=m, parallelism=8)
    cffi1 = argon2.PasswordHasher(time_cost=t, memory_cost=m, parallelism=1)
    hash8, hash1 = cffi8.hash(PASSWORD), cffi1.hash(PASSWORD)
    rows = [
        ("argon2-cffi (Django's)", 8, lambda: cffi8.verify(hash8, PASSWORD)),
        ("argon2-cffi", 1, lambda: cffi1.verify(hash1, PASSWORD)),
        ("libsodium (Amparo)", 1, lambda: sodium.verify(hash1.encode(), PASSWORD.encode())),
        ("libsodium, an 8-lane hash", 8, lambda: sodium.verify(hash8.encode(), PASSWORD.encode())),
    ]
    print(f"Argon2id, {m // 1024} MiB, {t} passes; median of {args.rounds}")
    print("| implementation | lanes | CPU per hash | wall time |")
    print("|---|---:|---:|---:|")
    for name, lanes, verify in rows:
        cpu, wall = measure(verify, args.rounds)
        print(f"| {name} | {lanes} | {cpu:.0f} ms | {wall:.0f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
