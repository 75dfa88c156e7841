"""The processes torchrun (or accelerate launch) started for one stage, and how they share work.

A stage that shards its work asks `join_team()` for its place; work item i belongs to process i mod size
(`mine`), and what each process made is brought to process 0 by `gather` (gloo on CPU, NCCL not needed:
results are small Python objects). Process 0 writes the stage's outputs, so the result is the same
whatever the process count. Alone (no launcher), the team is one process and nothing is initialised.
"""

import os
from dataclasses import dataclass
from typing import Any

import torch.distributed as dist


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
            dist.barrier()

    def gather(self, part: Any) -> list[Any] | None:
        """Every process's `part`, in rank order, on process 0 (None elsewhere)."""
        if self.size == 1:
            return [part]
        parts = [None] * self.size if self.leader else None
        dist.gather_object(part, parts, dst=0)
        return parts

    def leave(self) -> None:
        """Tear the process group down once the work is shared out (torch warns at exit otherwise)."""
        if self.size > 1 and dist.is_initialized():
            dist.destroy_process_group()


ALONE = Team(rank=0, size=1)


def this_process() -> Team:
    """This process's place as the launcher's environment gives it, without joining a process group (for
    code that another library distributes, such as the Trainer)."""
    return Team(int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1")))


def join_team() -> Team:
    """This process's place among those the launcher started, its process group joined; alone otherwise."""
    team = this_process()
    if team.size > 1 and not dist.is_initialized():
        dist.init_process_group("gloo")
    return team
