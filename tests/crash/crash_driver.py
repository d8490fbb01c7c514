#!/usr/bin/python3
"""Crash consistency of `cairn fit`: SIGKILL at random points while it saves a
checkpoint every batch, locally and to an S3 bucket on a loopback peer, and a
full disk.

After every kill:
  - every file under a final checkpoint name is complete (each zip record reads
    back with its size and CRC-32, torch.load reads it, its batch matches its name);
  - the latest pointer (the latest-rank0.pt symlink; remotely the
    latest-rank0.pt.symlink object) names one of those complete checkpoints, and
    never goes back;
  - the next run, with --autoresume, resumes from the batch the pointer names and
    saves the batch after it first: that run is Cairn's own load of the pointer.
Before the kills, the state such a kill leaves between a checkpoint's publication
and the pointer's move is made on purpose (the pointer set back by one), since
random kills hit that window only now and then. Temporary leftovers are listed and reported with whether a later run removed
them. Half of the kills are timed (a seeded random delay); the other half wait
until the process has a checkpoint's temporary file open (O_TMPFILE) or, on the
remote target, a staged file being uploaded, and kill at that moment.

  crash_driver.py --cairn BIN [--local N] [--remote N] [--full-disk] [--seed S]
  crash_driver.py --cairn BIN --local N --sharded [--fit-flag=--save-async]

With --sharded every checkpoint is a folder (torch's distributed layout): one
is complete when torch's reader reads its .metadata and every item in its data
file is a complete zip; a folder without .metadata is an unpublished save,
which the pointer must never name.

Exit status: 0 when every promise held, 1 otherwise, 77 when every part asked
for was skipped (a missing peer; a failure under CAIRN_REQUIRE_PEERS=1).
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import checkpoint_checks  # noqa: E402
import crash_targets  # noqa: E402
import full_disk  # noqa: E402

SKIP_EXIT_CODE = 77
MAX_BATCHES = 16  # one chain: two epochs of the synthetic data's 8 batches
MODEL = 'mlp={"hidden": [512, 512]}'  # ~1 MB checkpoints: a save takes long enough to be hit
SAVED = re.compile(r"Saved checkpoint '[^']*' at ep\d+ ba(\d+)")
RESUMED = re.compile(r"resumed from \S+ at ep\d+ ba(\d+)")


# Extra `cairn fit` flags for every run (--fit-flag), e.g. --save-async.
EXTRA_FIT_FLAGS = []
SHARDED = ["--state-dict-type", "sharded"]


def checkpoint_name(batch):
    """What the saver names the checkpoint of `batch` in the first epoch."""
    sharded = EXTRA_FIT_FLAGS[-2:] == SHARDED
    return f"ep0-ba{batch}" if sharded else f"ep0-ba{batch}-rank0.pt"


def fit_command(cairn, save_folder, max_batches=MAX_BATCHES):
    return [cairn, "fit", "--model", MODEL, "--data", "synthetic", "--seed", "7", "--run-name", "crash",
            "--save-folder", save_folder, "--save-interval", "1ba", "--max-duration", f"{max_batches}ba",
            "--autoresume"] + EXTRA_FIT_FLAGS


class Run:
    """One `cairn fit` with its output in a log file."""

    def __init__(self, command, env, log_path, cwd):
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, env=dict(os.environ, **env), cwd=cwd)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


class Soak:
    def __init__(self, args, target, rng):
        self.args = args
        self.target = target
        self.rng = rng
        self.failures = []
        self.phases = {}
        self.leftovers_made_in = set()
        self.chain = 0
        self.runs = 0

    def fail(self, message):
        print(f"FAIL [{self.target.kind}] {message}", flush=True)
        self.failures.append(message)

    def start(self, max_batches=MAX_BATCHES):
        self.runs += 1
        log = os.path.join(self.args.work, f"{self.target.kind}-run{self.runs}.log")
        return Run(fit_command(self.args.cairn, self.save_folder, max_batches), self.target.cairn_env(), log,
                   self.args.work)

    def new_chain(self):
        self.chain += 1
        self.save_folder = self.target.start_chain(self.chain)
        self.before = crash_targets.Snapshot()

    def calibrate(self):
        """Times one whole chain, unkilled: timed kills fall within it."""
        self.new_chain()
        began = time.monotonic()
        run = self.start()
        first = None
        while run.process.poll() is None:
            if first is None and self.target.phase(run.process.pid):
                first = time.monotonic() - began
            time.sleep(0.005)
        total = time.monotonic() - began
        self.check_run_end(run, killed=False)
        self.first_save_s = first if first is not None else total / 2
        self.total_s = total
        print(f"[{self.target.kind}] calibration: first save after {self.first_save_s:.1f} s, "
              f"{MAX_BATCHES} batches in {total:.1f} s", flush=True)
        self.new_chain()

    def interrupted_publish(self):
        """The state a kill leaves between publishing checkpoint 4 and moving the
        pointer from 3 to it, made on purpose (random kills hit it only at times):
        autoresume must resume from 3 and save 4 again over the orphan."""
        self.new_chain()
        self.check_run_end(self.wait(self.start(4)), killed=False, max_batches=4)
        self.target.point_latest_at(checkpoint_name(3))
        self.before = self.target.snapshot()
        run = self.wait(self.start(6))
        self.check_run_end(run, killed=False, max_batches=6)
        if "replacing checkpoint" not in run.log() and self.target.kind == "local":
            self.fail(f"interrupted publish: no warning that {checkpoint_name(4)} was replaced ({run.log_path})")
        print(f"[{self.target.kind}] interrupted publish (pointer at 3, checkpoint 4 published): "
              f"{'ok' if not self.failures else 'FAILED'}", flush=True)
        self.new_chain()

    def kill(self, run, index):
        """Kills `run` at a seeded random point; returns the phase it was in,
        or None when it finished first."""
        pid = run.process.pid
        phase = None
        if self.rng.random() < 0.5:
            wanted = self.rng.randint(1, 4)
            plan = f"at the {wanted}. save seen in progress"
            seen, last = 0, None
            while run.process.poll() is None:
                phase = self.target.phase(pid)
                if phase and phase != last:
                    seen += 1
                    if seen >= wanted:
                        os.kill(pid, signal.SIGKILL)
                        break
                last = phase
                time.sleep(0.0005)
        else:
            delay = self.rng.uniform(0.8 * self.first_save_s, self.total_s)
            plan = f"after {delay:.2f} s"
            deadline = time.monotonic() + delay
            while run.process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            if run.process.poll() is None:
                phase = self.target.phase(pid)
                os.kill(pid, signal.SIGKILL)
        run.process.wait()
        return plan, phase, run.process.returncode == -signal.SIGKILL

    def count_kill(self, index, plan, phase, killed, after):
        landed = (phase or "between saves") if killed else "finished first"
        if killed and not phase and after.batches and max(after.batches.values()) > (after.latest or 0):
            landed = "published, pointer not moved yet"
        print(f"[{self.target.kind}] kill {index}: chain {self.chain}, {plan}: {landed}", flush=True)
        self.phases[landed] = self.phases.get(landed, 0) + 1

    def check_run_end(self, run, killed, max_batches=MAX_BATCHES):
        log = run.log()
        after = self.target.snapshot()
        for problem in after.problems:
            self.fail(f"chain {self.chain} ({run.log_path}): {problem}")
        # The restart promise: resumed from what the pointer named, saved the next batch first.
        resumed = [int(b) for b in RESUMED.findall(log)]
        saved = [int(b) for b in SAVED.findall(log)]
        expected_start = self.before.latest or 0
        if self.before.latest is not None and (saved or not killed) and resumed != [self.before.latest]:
            self.fail(f"chain {self.chain}: the pointer named batch {self.before.latest} but the run "
                      f"resumed from {resumed or 'nothing'} ({run.log_path})")
        if saved and saved[0] != expected_start + 1:
            self.fail(f"chain {self.chain}: first save at batch {saved[0]}, expected {expected_start + 1} "
                      f"({run.log_path})")
        if self.before.latest is not None and (after.latest or 0) < self.before.latest:
            self.fail(f"chain {self.chain}: the pointer went back from batch {self.before.latest} "
                      f"to {after.latest}")
        if not killed:
            if run.process.returncode != 0:
                tail = "\n  ".join(log.strip().splitlines()[-5:])
                self.fail(f"chain {self.chain}: cairn fit exited with status {run.process.returncode}:\n  {tail}")
            elif after.latest != max_batches:
                self.fail(f"chain {self.chain}: finished, but the pointer names batch {after.latest}")
        # Leftovers: counted when they appear, and whether a later run removed them.
        # A name in $TMPDIR is one leftover whichever chain saw it; one in a save
        # folder belongs to that chain's folder.
        self.leftovers_made_in |= {(0 if n.startswith("$TMPDIR") or self.target.kind == "remote" else self.chain, n)
                                   for n in after.leftovers}
        self.before = after
        return killed

    def run(self, kills):
        self.interrupted_publish()
        self.calibrate()
        for index in range(1, kills + 1):
            run = self.start()
            plan, phase, killed = self.kill(run, index)
            self.count_kill(index, plan, phase, killed, self.target.snapshot())
            if not self.check_run_end(run, killed):
                self.new_chain()
        # The chain the last kill left behind runs to its end.
        self.check_run_end(self.wait(self.start()), killed=False)

    @staticmethod
    def wait(run):
        run.process.wait()
        return run

    def report(self):
        still = sorted(n for c, n in self.leftovers_made_in if self.target.exists(c, n))
        phases = ", ".join(f"{k} {v}" for k, v in sorted(self.phases.items()))
        print(f"[{self.target.kind}] {sum(self.phases.values())} kills ({phases}); {self.runs} runs in "
              f"{self.chain} chains; {len(self.leftovers_made_in)} temporary leftovers, {len(still)} still there at the end; "
              f"{len(self.failures)} failures", flush=True)
        kinds = {}
        for name in still:
            kind = re.sub(r"[-.]tmp-.*|-[A-Za-z0-9]{6}$", "*", os.path.basename(name))
            kinds[kind] = kinds.get(kind, 0) + 1
        if kinds:
            print(f"[{self.target.kind}] leftovers by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


def run_local(args, rng, checked):
    work = os.path.join(args.work, "local")
    os.makedirs(work)
    soak = Soak(argparse.Namespace(**dict(vars(args), work=work)), crash_targets.LocalTarget(work, checked), rng)
    soak.run(args.local)
    soak.report()
    return soak.failures


def run_remote(args, rng, checked):
    import s3_peers
    work = os.path.join(args.work, "remote")
    os.makedirs(work)
    try:
        peer = s3_peers.start(args.peer, bucket="crash")
    except s3_peers.PeerUnavailable as e:
        print(f"CAIRN-SKIP crash remote: {e}", flush=True)
        return None
    with peer:
        target = crash_targets.RemoteTarget(work, checked, peer)
        soak = Soak(argparse.Namespace(**dict(vars(args), work=work)), target, rng)
        soak.run(args.remote)
        soak.report()
    return soak.failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cairn", required=True)
    parser.add_argument("--local", type=int, default=0, help="kills of runs saving to a local folder")
    parser.add_argument("--remote", type=int, default=0, help="kills of runs saving to a loopback S3 bucket")
    parser.add_argument("--peer", default="moto", choices=["moto", "s3rver"])
    parser.add_argument("--full-disk", action="store_true", help="RLIMIT_FSIZE and, where mounting works, tmpfs")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--fit-flag", action="append", default=[],
                        help="a flag added to every `cairn fit` (repeatable), e.g. --fit-flag=--save-async")
    parser.add_argument("--sharded", action="store_true",
                        help="save sharded checkpoint folders (--state-dict-type sharded); local kills only")
    args = parser.parse_args()
    EXTRA_FIT_FLAGS.extend(args.fit_flag)
    if args.sharded:
        if args.remote or args.full_disk:
            parser.error("--sharded goes with --local only")
        EXTRA_FIT_FLAGS.extend(SHARDED)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(f"crash driver: seed {seed} (rerun with --seed {seed})", flush=True)
    args.cairn = os.path.abspath(args.cairn)
    args.work = tempfile.mkdtemp(prefix="cairn-crash-")
    checked = checkpoint_checks.CheckedFiles()
    failures, skipped, ran = [], [], 0
    try:
        if args.local:
            failures += run_local(args, random.Random(f"{seed}-local"), checked)
            ran += 1
        if args.remote:
            remote = run_remote(args, random.Random(f"{seed}-remote"), checked)
            if remote is None:
                skipped.append("remote")
            else:
                failures += remote
                ran += 1
        if args.full_disk:
            failures += full_disk.run_all(args.cairn, fit_command, os.path.join(args.work, "full-disk"))
            ran += 1
    finally:
        if args.keep:
            print(f"work folder kept: {args.work}")
        else:
            shutil.rmtree(args.work, ignore_errors=True)
    if skipped and os.environ.get("CAIRN_REQUIRE_PEERS", "") not in ("", "0"):
        failures.append(f"CAIRN_REQUIRE_PEERS=1: skipped {', '.join(skipped)}")
    print(f"crash driver: {len(failures)} failures" + (f", skipped {', '.join(skipped)}" if skipped else ""))
    if failures:
        return 1
    return SKIP_EXIT_CODE if skipped and ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
