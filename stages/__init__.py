"""lingtune pipeline stages: one module per DVC stage, plus the shared `core` package."""

# A process a launcher started arms its parent-death signal before anything else: its other imports take
# seconds, and a stage killed meanwhile must not leave it running (stages/core/team.py). The module imports
# nothing heavy for that reason (torch.distributed is imported where it is used).
from stages.core import team as _team  # noqa: F401
