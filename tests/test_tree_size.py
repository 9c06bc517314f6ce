"""The working tree stays small enough to travel to a lent GPU machine with the photo pack.

The device tool sends the tracked files (64 MiB at most, carried paths included); the photo pack of
``n2n data pack-photos`` takes about 17 MB of that, so the tracked files must stay under 45 MiB. Finished
runs' weights go to the history, not the tree (``training_runs/README.md``).
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIMIT_MIB = 45


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_tracked_files_leave_room_for_the_photo_pack() -> None:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    files = [ROOT / name for name in listed.decode().split("\0") if name]
    total = sum(path.stat().st_size for path in files if path.is_file())
    largest = sorted(files, key=lambda path: path.stat().st_size if path.is_file() else 0)[-3:]
    assert total < LIMIT_MIB * 2**20, (f"tracked files take {total / 2**20:.1f} MiB (limit {LIMIT_MIB}); largest: "
                                       + ", ".join(str(path.relative_to(ROOT)) for path in largest))
