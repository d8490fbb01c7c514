"""A full disk while `cairn fit` saves: the first checkpoint fits, the second
does not. Expected: a non-zero exit, one error line naming the checkpoint, the
cause and what to do; the first checkpoint and the latest pointer untouched
and loadable; no temporary file left.

Two ways to fill the disk:
  - RLIMIT_FSIZE set to the first checkpoint's size (the second is larger: its
    saver state lists one more checkpoint), with SIGXFSZ ignored so that the
    write fails with EFBIG instead of the signal killing the process;
  - a tmpfs mounted with room for one checkpoint and a half (ENOSPC), where
    mounting works (root); otherwise that case is reported as not run.
"""
import hashlib
import os
import resource
import signal
import subprocess

import checkpoint_checks
import crash_targets

FIRST, SECOND = "ep0-ba1-rank0.pt", "ep0-ba2-rank0.pt"


def _run(command, cwd, preexec_fn=None):
    return subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace", preexec_fn=preexec_fn)


def _sha256(path):
    return hashlib.sha256(checkpoint_checks.read_bytes(path)).hexdigest()


def _first_checkpoint(fit_command, cairn, folder, failures, label):
    """Saves batch 1 into `folder`; returns (its size, its hash, the pointer's target) or None."""
    result = _run(fit_command(cairn, folder, max_batches=1), os.path.dirname(folder))
    if result.returncode != 0:
        failures.append(f"{label}: the first run failed ({result.returncode}): {result.stdout.strip()[-300:]}")
        return None
    path = os.path.join(folder, FIRST)
    return os.path.getsize(path), _sha256(path), os.readlink(os.path.join(folder, crash_targets.LATEST))


def _expect_refusal(fit_command, cairn, folder, before, causes, preexec_fn, failures, label):
    size, digest, pointer = before
    result = _run(fit_command(cairn, folder, max_batches=2), os.path.dirname(folder), preexec_fn)
    output = result.stdout
    print(f"[full disk: {label}] exit status {result.returncode}; output ends:\n  "
          + "\n  ".join(output.strip().splitlines()[-3:]), flush=True)
    problems = []
    if result.returncode <= 0:
        problems.append(f"exit status {result.returncode}, expected a non-zero exit (not a signal)")
    lines = [line for line in output.splitlines() if "error" in line and SECOND in line]
    if not lines:
        problems.append(f"no error line names {SECOND}")
    elif not any(cause in lines[0] for cause in causes):
        problems.append(f"the error line gives no cause among {causes}: {lines[0]}")
    elif "free space" not in lines[0]:
        problems.append(f"the error line does not say what to do (free space): {lines[0]}")
    latest = os.path.join(folder, crash_targets.LATEST)
    if not os.path.islink(latest) or os.readlink(latest) != pointer:
        problems.append(f"the latest pointer moved (was {pointer!r})")
    first = os.path.join(folder, FIRST)
    if not os.path.exists(first) or os.path.getsize(first) != size or _sha256(first) != digest:
        problems.append(f"{FIRST} changed")
    else:
        try:
            checkpoint_checks.checkpoint_batch(checkpoint_checks.read_bytes(first), first)
        except checkpoint_checks.Broken as e:
            problems.append(str(e))
    left = sorted(n for n in os.listdir(folder) if n not in (FIRST, crash_targets.LATEST, crash_targets.LOCK))
    if left:
        problems.append(f"files left behind: {left}")
    for p in problems:
        failures.append(f"full disk ({label}): {p}")
    print(f"[full disk: {label}] {'ok' if not problems else 'FAILED: ' + '; '.join(problems)}", flush=True)


def _limit_file_size(limit):
    def preexec():
        # Ignored, SIGXFSZ stays ignored across exec: write(2) returns EFBIG.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def rlimit_case(cairn, fit_command, work, failures):
    calibration = os.path.join(work, "calibration")
    result = _run(fit_command(cairn, calibration, max_batches=2), work)
    if result.returncode != 0:
        failures.append(f"full disk: the calibration run failed: {result.stdout.strip()[-300:]}")
        return
    sizes = [os.path.getsize(os.path.join(calibration, n)) for n in (FIRST, SECOND)]
    if sizes[1] <= sizes[0]:
        failures.append(f"full disk: the second checkpoint ({sizes[1]} bytes) is not larger than the first "
                        f"({sizes[0]}): RLIMIT_FSIZE cannot let one through and stop the other")
        return
    folder = os.path.join(work, "rlimit")
    before = _first_checkpoint(fit_command, cairn, folder, failures, "RLIMIT_FSIZE")
    if before:
        print(f"[full disk: RLIMIT_FSIZE] limit {before[0]} bytes (checkpoints: {sizes[0]}, {sizes[1]})", flush=True)
        _expect_refusal(fit_command, cairn, folder, before, ["File too large"], _limit_file_size(before[0]),
                        failures, "RLIMIT_FSIZE")


def tmpfs_case(cairn, fit_command, work, failures):
    sizes_from = os.path.join(work, "calibration", FIRST)
    if not os.path.exists(sizes_from):
        return
    room = (os.path.getsize(sizes_from) * 3 // 2 + 4095) // 4096 * 4096
    mount_point = os.path.join(work, "tmpfs")
    os.makedirs(mount_point)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={room}", "tmpfs", mount_point],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if mounted.returncode != 0:
        print(f"[full disk: tmpfs] not run: mounting a tmpfs failed here ({mounted.stdout.strip()})", flush=True)
        return
    try:
        folder = os.path.join(mount_point, "ck")
        before = _first_checkpoint(fit_command, cairn, folder, failures, "tmpfs")
        if before:
            print(f"[full disk: tmpfs] {room} bytes of room, first checkpoint {before[0]} bytes", flush=True)
            _expect_refusal(fit_command, cairn, folder, before, ["No space left on device"], None, failures,
                            "tmpfs")
    finally:
        subprocess.run(["umount", mount_point], check=False)


def run_all(cairn, fit_command, work):
    os.makedirs(work)
    failures = []
    rlimit_case(cairn, fit_command, work, failures)
    tmpfs_case(cairn, fit_command, work, failures)
    return failures
