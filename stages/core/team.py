"""The processes torchrun (or accelerate launch) started for one stage, and how they share work.

A stage that shards its work asks `join_team()` for its place; work item i belongs to process i mod size
(`mine`), and what each process made is brought to process 0 by `gather` (gloo on CPU, NCCL not needed:
results are small Python objects). Process 0 writes the stage's outputs, so the result is the same
whatever the process count. Alone (no launcher), the team is one process and nothing is initialised.
"""

import os
import signal
import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Team:
    rank: int
    size: int

    @property
    def leader(self) -> bool:
        return self.rank == 0

    def mine(self, count: int) -> list[int]:
        """The indices of `count` work items that belong to this process."""
        return list(range(self.rank, count, self.size))

    def barrier(self) -> None:
        if self.size > 1:
            import torch.distributed as dist

            dist.barrier()

    def gather(self, part: Any) -> list[Any] | None:
        """Every process's `part`, in rank order, on process 0 (None elsewhere)."""
        if self.size == 1:
            return [part]
        import torch.distributed as dist

        parts = [None] * self.size if self.leader else None
        dist.gather_object(part, parts, dst=0)
        return parts

    def leave(self) -> None:
        """Tear the process group down once the work is shared out (torch warns at exit otherwise)."""
        import torch.distributed as dist

        if self.size > 1 and dist.is_initialized():
            dist.destroy_process_group()


ALONE = Team(rank=0, size=1)


def this_process() -> Team:
    """This process's place as the launcher's environment gives it, without joining a process group (for
    code that another library distributes, such as the Trainer)."""
    return Team(int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1")))


def join_team() -> Team:
    """This process's place among those the launcher started, its process group joined; alone otherwise."""
    import torch.distributed as dist

    team = this_process()
    if team.size > 1 and not dist.is_initialized():
        dist.init_process_group("gloo")
    return team


# --- launching: a stage started once starts its team through a launcher --------------------------------

# set for the processes a launcher starts, to the pid of the stage that launched them: they work, never
# launch again, and never outlive that stage
LAUNCHED = "LINGTUNE_LAUNCHED"


def is_worker() -> bool:
    """True inside a process started by a launcher (torchrun and accelerate also set LOCAL_RANK)."""
    return "LOCAL_RANK" in os.environ or LAUNCHED in os.environ


def launch_command(
    launcher: str, processes: int, extra: list[str], module: str, args: list[str] = ()
) -> list[str]:
    """The command that starts `processes` copies of `module` (with `args`) on this node."""
    run_module = ["-m", module, *args]
    if launcher == "torchrun":
        torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes)]
        return [*torchrun, *extra, *run_module]
    if launcher == "accelerate":
        accelerate = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(processes)]
        # without it (and without an accelerate config) accelerate starts a single process
        distributed = ["--multi_gpu"] if processes > 1 else []
        return [*accelerate, *distributed, *extra, *run_module]
    return [sys.executable, *run_module]


def launch_environment(processes: int) -> dict[str, str]:
    import torch

    env = dict(os.environ, **{LAUNCHED: str(os.getpid())})
    # each process gets its share of the cores: more threads than cores slow every one of them down
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // processes)))
    if not torch.cuda.is_available():
        # DeepSpeed would look for a GPU; on CPU it runs over gloo.
        env.setdefault("DS_ACCELERATOR", "cpu")
    return env


def die_with_parent(signal_number: int = signal.SIGTERM) -> None:
    """`signal_number` to this process when its parent dies. Linux only; elsewhere a no-op."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal_number)


def is_alive(pid: int) -> bool:
    """Whether a process with this pid exists (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def follow_the_stage() -> None:
    """In a worker: die (SIGKILL) with the launcher, and at once if the stage that launched it is gone.

    torchrun starts its workers in sessions of their own, so a SIGKILL of `dvc repro`'s process group takes
    the stage and the launcher but not them: they would go on and write outputs afterwards.
    """
    die_with_parent(signal.SIGKILL)
    stage = os.environ.get(LAUNCHED, "")
    if stage.isdigit() and not is_alive(int(stage)):  # it died before the signal was armed
        os.kill(os.getpid(), signal.SIGKILL)


if is_worker():
    # at import (the `stages` package imports this module first), before the stage reads or writes anything
    follow_the_stage()


def launch(stage: str, launcher: str, processes: int, extra: list[str], args: list[str] = ()) -> None:
    """Run `python -m stages.<stage> ARGS` under the launcher with `processes` processes; fail if it fails."""
    import subprocess

    command = launch_command(launcher, processes, extra, f"stages.{stage}", list(args))
    print(f"{stage}:", " ".join(command), flush=True)
    # the launcher gets SIGTERM when the stage dies, and passes it on to its workers
    code = subprocess.run(command, env=launch_environment(processes), preexec_fn=die_with_parent).returncode
    if code:
        raise SystemExit(f"{stage}: {launcher} exited with status {code}")
